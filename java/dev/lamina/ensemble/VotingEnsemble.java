package dev.lamina.ensemble;

import dev.lamina.models.Model;
import dev.lamina.tensor.Tensor;
import java.util.List;

/**
 * Hard majority voting of classifiers: each member votes its argmax class (or, for a sigmoid output
 * [N, 1], class 1 when p ≥ 0.5); the class with most votes wins and ties go to the smallest id
 * (see {@link Ensembles#majorityVote}).
 */
public final class VotingEnsemble {
    private final List<Model> members;

    public VotingEnsemble(List<Model> members) {
        if (members.isEmpty()) {
            throw new IllegalArgumentException("VotingEnsemble: no members");
        }
        this.members = List.copyOf(members);
    }

    /** Class ids, int64 [N]. */
    public Tensor predict(Tensor x) {
        return Ensembles.combinePredictions(members, x, Ensembles::majorityVote);
    }
}
