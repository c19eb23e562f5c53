package dev.lamina.optim;

import java.util.Map;

/** Learning rate as a function of the optimizer's step count (0-based), as Keras schedules. */
public interface LearningRateSchedule {
    double at(long step);

    /** {"class_name": ..., "config": {...}} for saving. */
    Map<String, Object> config();
}
