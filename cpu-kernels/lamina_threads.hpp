// Lamina cpu-kernels: a small persistent thread pool (std::thread only, so the JNI library
// depends on nothing beyond glibc and libstdc++).
//
// parallel_for splits [0, n) into at most `threads` contiguous chunks; parallel_each runs n jobs
// that threads take one at a time. Kernels only parallelise over independent outputs, so results
// never depend on the thread count.
//
// Waiting: a worker that finishes spins for up to kSpinMicros before it blocks on the condition
// variable, and so does the caller waiting for the workers. Waking a blocked thread costs tens to
// hundreds of microseconds on a virtual machine, as long as a whole 50 µs kernel; the ops of a
// training step follow each other closely enough that the workers are usually still spinning.
//
// Never slower than one thread (issue 13): jobs are claimed one at a time from a ticket that carries
// the call's generation, and the caller waits for the jobs to be finished, not for the workers to
// check in. A worker that is asleep, preempted or busy elsewhere when a call comes simply claims
// nothing: the caller runs every job itself and returns without waiting for it (before, the caller
// waited for every worker to wake up and report, a scheduler time slice on a loaded machine, which
// made the seed LSTM fit twice as slow on 2 threads as on 1). A late worker's claim fails on the
// generation, so it never runs a job of a call that has returned.
#pragma once

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace lamina {

class ThreadPool {
public:
    static ThreadPool& get() {
        static ThreadPool pool;
        return pool;
    }

    int threads() const { return threads_.load(); }

    /**
     * Sets the number of threads (>= 1) used by parallel kernels, counting the caller. Returns 0, or
     * the system's error code when a thread could not be created (then *started holds how many of
     * the n - 1 workers had started, and the pool is back at its previous size, or as close to it as
     * the system allows; threads() tells).
     */
    int set_threads(int n, int* started) {
        if (n < 1) n = 1;
        std::lock_guard<std::mutex> run(run_mutex_);
        int old = threads_.load();
        stop_workers();
        int err = start_workers(n - 1);
        if (err == 0) {
            threads_.store(n);
            return 0;
        }
        if (started) *started = (int) workers_.size();
        stop_workers();
        start_workers(old - 1);  // may start fewer than before when the system is short of threads
        threads_.store((int) workers_.size() + 1);
        return err;
    }

    /** Test hook: the k-th thread creation from now fails as if the system refused (k < 0: never). */
    void fail_thread_start_after(int k) {
        std::lock_guard<std::mutex> run(run_mutex_);
        fail_after_ = k;
    }

    /**
     * Runs f(begin, end) over chunks covering [0, n). Serial when n < min_parallel, when one
     * thread is configured, or when another call is already using the pool (no nesting, no
     * blocking between concurrent Java callers).
     */
    void parallel_for(int64_t n, int64_t min_parallel, const std::function<void(int64_t, int64_t)>& f) {
        if (n <= 0) return;
        int t = threads_.load();
        if (t <= 1 || n < min_parallel) { f(0, n); return; }
        std::unique_lock<std::mutex> run(run_mutex_, std::try_to_lock);
        if (!run.owns_lock() || workers_.empty()) { f(0, n); return; }
        int chunks = (int) std::min<int64_t>(n, (int64_t) workers_.size() + 1);
        run_jobs(chunks, [&](int c) {
            int64_t b = n * c / chunks, e = n * (c + 1) / chunks;
            if (b < e) f(b, e);
        });
    }

    /**
     * Runs f(i) for every i in [0, n) as separate jobs that idle threads take one at a time, so a
     * thread that starts late (or is preempted) simply takes fewer of them. For a few large,
     * independent pieces of work (the batch parts of a convolution). Serial as parallel_for.
     */
    void parallel_each(int64_t n, const std::function<void(int64_t)>& f) {
        if (n <= 0) return;
        std::unique_lock<std::mutex> run(run_mutex_, std::defer_lock);
        if (threads_.load() > 1 && n > 1) run.try_lock();
        if (!run.owns_lock() || workers_.empty() || n > INT32_MAX) {
            for (int64_t i = 0; i < n; i++) f(i);
            return;
        }
        run_jobs((int) n, [&](int c) { f(c); });
    }

    ~ThreadPool() {
        std::lock_guard<std::mutex> run(run_mutex_);
        stop_workers();
    }

private:
    ThreadPool() {
        unsigned hc = std::thread::hardware_concurrency();
        int n = hc == 0 ? 1 : (int) hc;
        start_workers(n - 1);  // as many as the system allows
        threads_.store((int) workers_.size() + 1);
    }

    static constexpr int kSpinMicros = 200;

    // How long an idle worker spins before it blocks: kSpinMicros, or LAMINA_POOL_SPIN_US=n (A/B
    // benchmarks of the thread policy; 0 blocks at once).
    static int worker_spin_micros() {
        static const int n = [] {
            const char* v = std::getenv("LAMINA_POOL_SPIN_US");
            return v != nullptr && *v != '\0' ? std::max(0, std::atoi(v)) : kSpinMicros;
        }();
        return n;
    }

    static void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#else
        std::this_thread::yield();
#endif
    }

    // Spins until ready() or `micros` have passed; true when ready.
    template <class P>
    static bool spin_until(P&& ready, int micros = kSpinMicros) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(micros);
        for (unsigned i = 1;; i++) {
            if (ready()) return true;
            cpu_relax();
            if ((i & 127) == 0 && std::chrono::steady_clock::now() > deadline) return ready();
        }
    }

    // Hands `chunks` jobs to the workers and the caller (run_mutex_ held) and waits for all of them.
    void run_jobs(int chunks, const std::function<void(int)>& job) {
        uint32_t tag;
        {
            std::lock_guard<std::mutex> lk(m_);
            job_ = &job;
            njobs_ = chunks;
            done_.store(0, std::memory_order_relaxed);
            ++generation_;
            tag = (uint32_t) generation_;
            ticket_.store((uint64_t) tag << 32, std::memory_order_release);
            published_.store(generation_, std::memory_order_release);
        }
        cv_.notify_all();
        for (int c; claim(tag, chunks, &c);) {
            job(c);
            done_.fetch_add(1, std::memory_order_acq_rel);
        }
        // every job is claimed; wait only for the ones a worker is still running
        auto finished = [&] { return done_.load(std::memory_order_acquire) == chunks; };
        if (!spin_until(finished)) {
            std::unique_lock<std::mutex> lk(m_);
            done_cv_.wait(lk, finished);
        }
        job_ = nullptr;
    }

    // Claims the next job of the call tagged `tag` (the low 32 bits of its generation); false when
    // all are claimed or that call is over.
    bool claim(uint32_t tag, int njobs, int* c) {
        uint64_t v = ticket_.load(std::memory_order_acquire);
        for (;;) {
            if ((uint32_t) (v >> 32) != tag || (int64_t) (uint32_t) v >= njobs) return false;
            if (ticket_.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel)) {
                *c = (int) (uint32_t) v;
                return true;
            }
        }
    }

    // Starts count workers; returns 0, or the system's error code of the first creation that failed
    // (the workers started before it keep running).
    int start_workers(int count) {
        stop_ = false;
        uint64_t g = generation_;  // workers start at the current generation (run_mutex_ held)
        for (int i = 0; i < count; i++) {
            try {
                if (fail_after_ == 0) {
                    fail_after_ = -1;
                    throw std::system_error(EAGAIN, std::generic_category(), "test hook");
                }
                if (fail_after_ > 0) fail_after_--;
                workers_.emplace_back([this, g] { worker(g); });
            } catch (const std::system_error& e) {
                return e.code().value() != 0 ? e.code().value() : -1;
            } catch (const std::bad_alloc&) {
                return ENOMEM;
            }
        }
        return 0;
    }

    void stop_workers() {
        {
            std::lock_guard<std::mutex> lk(m_);
            stop_ = true;
            ++generation_;
            published_.store(generation_, std::memory_order_release);
        }
        cv_.notify_all();
        for (auto& w : workers_) w.join();
        workers_.clear();
    }

    void worker(uint64_t seen) {
        for (;;) {
            const std::function<void(int)>* job;
            int njobs;
            spin_until([&] { return published_.load(std::memory_order_acquire) != seen; }, worker_spin_micros());
            {
                std::unique_lock<std::mutex> lk(m_);
                cv_.wait(lk, [&] { return generation_ != seen; });
                seen = generation_;
                if (stop_) return;
                job = job_;
                njobs = njobs_;
            }
            const uint32_t tag = (uint32_t) seen;
            for (int c; claim(tag, njobs, &c);) {
                (*job)(c);
                if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == njobs) {
                    // the caller may be blocked (it spun out): wake it under the lock it waits with
                    std::lock_guard<std::mutex> lk(m_);
                    done_cv_.notify_all();
                }
            }
        }
    }

    std::atomic<int> threads_{1};
    int fail_after_ = -1;  // test hook (run_mutex_ held)
    std::mutex run_mutex_;
    std::mutex m_;
    std::condition_variable cv_, done_cv_;
    std::vector<std::thread> workers_;
    const std::function<void(int)>* job_ = nullptr;
    int njobs_ = 0;
    std::atomic<uint64_t> ticket_{0};  // (generation's low 32 bits << 32) | next job to claim
    std::atomic<int> done_{0};         // jobs of the current call finished
    uint64_t generation_ = 0;
    std::atomic<uint64_t> published_{0};  // generation_, readable without m_ (for spinning)
    bool stop_ = false;
};

template <class F>
inline void parallel_for(int64_t n, int64_t min_parallel, F&& f) {
    ThreadPool::get().parallel_for(n, min_parallel, std::function<void(int64_t, int64_t)>(f));
}

template <class F>
inline void parallel_each(int64_t n, F&& f) {
    ThreadPool::get().parallel_each(n, std::function<void(int64_t)>(f));
}

}  // namespace lamina
