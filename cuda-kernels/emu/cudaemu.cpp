// cudaemu: the scheduler, the inline-PTX interpreter and the runtime API of the emulated CUDA
// device (see cudaemu.hpp for the model).
#include "cudaemu.hpp"

#include <ucontext.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define CUDAEMU_ASAN 1
#endif

uint3 threadIdx, blockIdx;
dim3 blockDim, gridDim;

namespace cudaemu {
namespace {

// ---- fibers --------------------------------------------------------------------------------------

#if defined(__x86_64__) && !defined(CUDAEMU_UCONTEXT)
// A context switch without swapcontext's signal-mask system calls: pushes the callee-saved
// registers of the System V ABI (rbp, rbx, r12-r15) and the SSE/x87 control words on the current
// stack, stores the stack pointer in *save, loads load as the stack pointer and pops the same
// frame from there. A new fiber's stack is prepared with such a frame whose return address is
// fiber_entry.
extern "C" void lamina_cudaemu_switch(void** save, void* load);
asm(R"(
.text
.globl lamina_cudaemu_switch
.hidden lamina_cudaemu_switch
.type lamina_cudaemu_switch,@function
lamina_cudaemu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
.size lamina_cudaemu_switch,.-lamina_cudaemu_switch
.section .note.GNU-stack,"",@progbits
.text
)");
struct Ctx {
    void* sp = nullptr;
};
#define CUDAEMU_FAST_SWITCH 1
#else
using Ctx = ucontext_t;
#endif

enum State { READY, AT_BARRIER, AT_WARP, DONE, FAULTED };

struct Fiber {
    Ctx ctx;
    char* stack = nullptr;
    uint3 tid{};
    unsigned linear = 0;
    State st = DONE;
    const char* file = nullptr;  // where it waits: barrier or warp collective
    int line = 0;
    unsigned wmask = 0;  // warp collective: its mask and name
    const char* wwhat = nullptr;
};

constexpr size_t kStack = 256 * 1024;

struct Sched {
    std::mutex lock;  // one launch at a time, from any host thread
    std::vector<Fiber> f;
    Ctx main_ctx;
    Fiber* cur = nullptr;
    const std::function<void()>* body = nullptr;
    int order = 0;
    uint64_t seed = 1;
    dim3 cap{0, 0, 0};
    std::vector<unsigned char> wslots;  // [warp][lane][256 bytes]
    std::unordered_set<void*> shared_seen;
    std::vector<unsigned char> dyn_shared;
    const char* kernel = "?";
    const char* launch_file = "?";
    int launch_line = 0;
    bool faulted = false;
    std::string fault_msg;
    long faults = 0;
    Stats st{0, 0, 0};
    void* main_bottom = nullptr;
    size_t main_size = 0;
    bool env_read = false;
} S;

// The emulator's message about the last failed call of this host thread (a fault, a bad pointer).
thread_local cudaError_t t_last = cudaSuccess;
thread_local std::string t_detail;
thread_local cudaError_t t_detail_code = cudaSuccess;

cudaError_t fail(cudaError_t e, const std::string& detail) {
    t_last = e;
    t_detail = detail;
    t_detail_code = e;
    return e;
}

void to_fiber(Fiber& fb) {
#ifdef CUDAEMU_ASAN
    void* fake = nullptr;
    __sanitizer_start_switch_fiber(&fake, fb.stack, kStack);
#endif
    S.st.switches++;
#ifdef CUDAEMU_FAST_SWITCH
    lamina_cudaemu_switch(&S.main_ctx.sp, fb.ctx.sp);
#else
    swapcontext(&S.main_ctx, &fb.ctx);
#endif
#ifdef CUDAEMU_ASAN
    __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
#endif
}

void to_main(Fiber& fb, bool exiting) {
#ifdef CUDAEMU_ASAN
    void* fake = nullptr;
    __sanitizer_start_switch_fiber(exiting ? nullptr : &fake, S.main_bottom, S.main_size);
#else
    (void) exiting;
#endif
#ifdef CUDAEMU_FAST_SWITCH
    lamina_cudaemu_switch(&fb.ctx.sp, S.main_ctx.sp);
#else
    swapcontext(&fb.ctx, &S.main_ctx);
#endif
#ifdef CUDAEMU_ASAN
    const void* b;
    size_t sz;
    __sanitizer_finish_switch_fiber(fake, &b, &sz);
    S.main_bottom = const_cast<void*>(b);
    S.main_size = sz;
#endif
}

void fiber_entry() {
#ifdef CUDAEMU_ASAN
    const void* b;
    size_t sz;
    __sanitizer_finish_switch_fiber(nullptr, &b, &sz);
    S.main_bottom = const_cast<void*>(b);
    S.main_size = sz;
#endif
    Fiber& fb = *S.cur;
    (*S.body)();
    fb.st = DONE;
    to_main(fb, true);
}

Fiber& self() {
    if (S.cur == nullptr) {
        std::fprintf(stderr, "cudaemu: a device function was called outside a kernel\n");
        std::abort();
    }
    return *S.cur;
}

std::string vformat(const char* fmt, va_list ap) {
    char buf[1024];
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    return buf;
}

std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string format(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    std::string s = vformat(fmt, ap);
    va_end(ap);
    return s;
}

// Records a fault found by the scheduler (main context); the first fault of a launch wins.
void record_fault(const std::string& msg) {
    if (!S.faulted) {
        S.faulted = true;
        S.fault_msg = std::string(S.kernel) + " (launched at " + S.launch_file + ":" + std::to_string(S.launch_line) +
                      "), block (" + std::to_string(blockIdx.x) + "," + std::to_string(blockIdx.y) + "," +
                      std::to_string(blockIdx.z) + "): " + msg;
    }
}

const char* site(const Fiber& fb) {
    static thread_local std::string s;
    s = format("%s:%d", fb.file ? fb.file : "?", fb.line);
    return s.c_str();
}

void read_env() {
    if (S.env_read) return;
    S.env_read = true;
    if (const char* o = std::getenv("LAMINA_CUDA_EMU_ORDER")) {
        std::string v(o);
        uint64_t seed = 1;
        size_t colon = v.find(':');
        if (colon != std::string::npos) {
            seed = std::strtoull(v.c_str() + colon + 1, nullptr, 10);
            v = v.substr(0, colon);
        }
        if (v == "forward" || v.empty()) S.order = 0;
        else if (v == "reverse") S.order = 1;
        else if (v == "shuffled") S.order = 2;
        else {
            std::fprintf(stderr, "cudaemu: LAMINA_CUDA_EMU_ORDER must be forward, reverse or shuffled[:seed], got '%s'\n", o);
            std::abort();
        }
        S.seed = seed;
    }
    if (const char* c = std::getenv("LAMINA_CUDA_EMU_GRID_CAP")) {
        unsigned x = 0, y = 0, z = 0;
        if (std::sscanf(c, "%u,%u,%u", &x, &y, &z) < 1) {
            std::fprintf(stderr, "cudaemu: LAMINA_CUDA_EMU_GRID_CAP must be x[,y[,z]] (0: no cap), got '%s'\n", c);
            std::abort();
        }
        S.cap = dim3(x, y, z);
    }
}

// Releases the warp collectives whose lanes have all arrived; faults on mismatched ones.
bool release_warps(unsigned n) {
    bool released = false;
    for (unsigned w = 0; w * 32 < n; w++) {
        const unsigned base = w * 32, lanes = std::min(32u, n - base);
        unsigned waiting = 0, done = 0;
        for (unsigned l = 0; l < lanes; l++) {
            const Fiber& fb = S.f[base + l];
            if (fb.st == DONE) done |= 1u << l;
            if (fb.st == AT_WARP) waiting |= 1u << l;
        }
        if (waiting == 0) continue;
        // group the waiting lanes by mask: overlapping different masks, or one mask at two sites, is a fault
        unsigned handled = 0;
        for (unsigned l = 0; l < lanes; l++) {
            if (!(waiting >> l & 1u) || (handled >> l & 1u)) continue;
            const Fiber& lead = S.f[base + l];
            const unsigned mask = lead.wmask;
            unsigned group = 0;
            for (unsigned k = 0; k < lanes; k++) {
                if (!(waiting >> k & 1u)) continue;
                const Fiber& fb = S.f[base + k];
                if (fb.wmask == mask) {
                    if (fb.line != lead.line || std::strcmp(fb.wwhat, lead.wwhat) != 0 ||
                        std::strcmp(fb.file, lead.file) != 0) {
                        std::string a = site(lead);
                        record_fault(format("warp %u: lane %u waits at %s (%s) and lane %u at %s (%s) with the same mask "
                                            "0x%08x",
                                            w, l, lead.wwhat, a.c_str(), k, fb.wwhat, site(fb), mask));
                        return false;
                    }
                    group |= 1u << k;
                } else if (fb.wmask & mask) {
                    std::string a = site(lead);
                    record_fault(format("warp %u: mismatched warp masks: lane %u at %s (%s) with mask 0x%08x, lane %u at "
                                        "%s (%s) with mask 0x%08x",
                                        w, l, lead.wwhat, a.c_str(), mask, k, fb.wwhat, site(fb), fb.wmask));
                    return false;
                }
            }
            handled |= group;
            if ((mask & done) != 0) {
                record_fault(format("warp %u: %s at %s with mask 0x%08x, but lanes 0x%08x of the mask have exited", w,
                                    lead.wwhat, site(lead), mask, mask & done));
                return false;
            }
            if ((group & mask) == mask) {
                for (unsigned k = 0; k < lanes; k++) {
                    if (group >> k & 1u) S.f[base + k].st = READY;
                }
                released = true;
            }
        }
    }
    return released;
}

// Runs one block to completion; false when it faulted (S.fault_msg says why).
bool run_block() {
    const unsigned bx = blockDim.x, by = blockDim.y, n = blockDim.x * blockDim.y * blockDim.z;
    if (S.f.size() < n) S.f.resize(n);
    S.wslots.assign(size_t((n + 31) / 32) * 32 * 256, 0xCD);
    S.shared_seen.clear();
    std::fill(S.dyn_shared.begin(), S.dyn_shared.end(), 0xFF);
    for (unsigned i = 0; i < n; i++) {
        Fiber& fb = S.f[i];
        if (fb.stack == nullptr) {
            fb.stack = static_cast<char*>(std::malloc(kStack));
            if (fb.stack == nullptr) {
                std::fprintf(stderr, "cudaemu: out of memory for fiber stacks\n");
                std::abort();
            }
        }
#ifdef CUDAEMU_ASAN
        __asan_unpoison_memory_region(fb.stack, kStack);  // red zones left by the frames of its last thread
#endif
        fb.tid = uint3{i % bx, (i / bx) % by, i / (bx * by)};
        fb.linear = i;
        fb.st = READY;
        fb.file = nullptr;
        fb.line = 0;
#ifdef CUDAEMU_FAST_SWITCH
        // the frame lamina_cudaemu_switch pops: control words, r15..r12, rbx, rbp, return address
        uintptr_t top = (reinterpret_cast<uintptr_t>(fb.stack) + kStack) & ~uintptr_t(15);
        uint64_t* sp = reinterpret_cast<uint64_t*>(top - 72);
        sp[0] = 0x037F00001F80ull;  // MXCSR 0x1F80 at +0, x87 control word 0x037F at +4
        for (int r = 1; r <= 6; r++) sp[r] = 0;
        sp[7] = reinterpret_cast<uint64_t>(&fiber_entry);  // entered with rsp = top - 8, as after a call
        sp[8] = 0;
        fb.ctx.sp = sp;
#else
        getcontext(&fb.ctx);
        fb.ctx.uc_stack.ss_sp = fb.stack;
        fb.ctx.uc_stack.ss_size = kStack;
        fb.ctx.uc_link = nullptr;
        makecontext(&fb.ctx, fiber_entry, 0);
#endif
    }
    std::vector<unsigned> order(n);
    for (unsigned i = 0; i < n; i++) order[i] = S.order == 1 ? n - 1 - i : i;
    std::mt19937_64 rng(S.seed ^ (uint64_t(blockIdx.x) << 20) ^ (uint64_t(blockIdx.y) << 40) ^ blockIdx.z);
    for (;;) {
        if (S.order == 2) std::shuffle(order.begin(), order.end(), rng);
        for (unsigned i : order) {
            Fiber& fb = S.f[i];
            if (fb.st != READY) continue;
            S.cur = &fb;
            threadIdx = fb.tid;
            to_fiber(fb);
            S.cur = nullptr;
            if (S.faulted) return false;
        }
        // warp collectives first: lanes of one warp may wait there while others wait at a barrier
        if (release_warps(n)) continue;
        if (S.faulted) return false;
        unsigned at_bar = 0, done = 0, at_warp = 0;
        const Fiber* first = nullptr;
        const Fiber* other = nullptr;
        for (unsigned i = 0; i < n; i++) {
            const Fiber& fb = S.f[i];
            if (fb.st == DONE) done++;
            if (fb.st == AT_WARP) at_warp++;
            if (fb.st != AT_BARRIER) continue;
            at_bar++;
            if (first == nullptr) first = &fb;
            else if (other == nullptr && (fb.line != first->line || std::strcmp(fb.file, first->file) != 0)) other = &fb;
        }
        if (done == n) return true;
        if (at_bar > 0 && at_bar + done == n) {
            if (done > 0) {
                record_fault(format("__syncthreads at %s reached by %u threads of the block while %u have exited "
                                    "(a barrier in divergent code)",
                                    site(*first), at_bar, done));
                return false;
            }
            if (other != nullptr) {
                std::string a = site(*first);
                record_fault(format("threads of one block wait at different __syncthreads: %s and %s "
                                    "(a barrier in divergent code)",
                                    a.c_str(), site(*other)));
                return false;
            }
            for (unsigned i = 0; i < n; i++) {
                if (S.f[i].st == AT_BARRIER) S.f[i].st = READY;
            }
            continue;
        }
        // nothing can move: name where the threads wait
        std::string where;
        for (unsigned i = 0; i < n && where.size() < 400; i++) {
            const Fiber& fb = S.f[i];
            if (fb.st == AT_WARP) {
                where += format(" thread %u in %s at %s (mask 0x%08x);", i, fb.wwhat, site(fb), fb.wmask);
                i = (i | 31u);  // one lane per warp is enough
            }
        }
        record_fault(format("deadlock: %u threads at __syncthreads%s%s, %u in warp collectives, %u exited;%s", at_bar,
                            first ? " at " : "", first ? site(*first) : "", at_warp, done, where.c_str()));
        return false;
    }
}

}  // namespace

// ---- what the kernels call -------------------------------------------------------------------------

void syncthreads(const char* file, int line) {
    Fiber& fb = self();
    fb.st = AT_BARRIER;
    fb.file = file;
    fb.line = line;
    to_main(fb, false);
}

void warp_sync(unsigned mask, const char* what, const char* file, int line) {
    Fiber& fb = self();
    const unsigned lane = fb.linear % 32;
    if (!(mask >> lane & 1u)) fault("%s at %s:%d called by lane %u, which is not in its mask 0x%08x", what, file, line, lane, mask);
    const unsigned n = blockDim.x * blockDim.y * blockDim.z;
    const unsigned wbase = fb.linear - lane;
    const unsigned present = n - wbase >= 32 ? 0xffffffffu : (1u << (n - wbase)) - 1;
    if ((mask & ~present) != 0) {
        fault("%s at %s:%d with mask 0x%08x in a warp of only %u threads", what, file, line, mask, n - wbase);
    }
    fb.st = AT_WARP;
    fb.wmask = mask;
    fb.wwhat = what;
    fb.file = file;
    fb.line = line;
    to_main(fb, false);
}

unsigned ballot(const char* file, int line, unsigned mask, int pred, const char* what) {
    const unsigned me = lane_id();
    const int p = pred != 0;
    std::memcpy(warp_slot(me), &p, sizeof p);
    warp_sync(mask, what, file, line);
    unsigned r = 0;
    for (unsigned l = 0; l < 32; l++) {
        int q;
        std::memcpy(&q, warp_slot(l), sizeof q);
        if ((mask >> l & 1u) && q) r |= 1u << l;
    }
    warp_sync(mask, what, file, line);
    return r;
}

unsigned lane_id() { return self().linear % 32; }

void* warp_slot(unsigned lane) { return &S.wslots[(size_t(self().linear / 32) * 32 + lane) * 256]; }

void fault(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    std::string msg = vformat(fmt, ap);
    va_end(ap);
    if (S.cur == nullptr) {
        std::fprintf(stderr, "cudaemu: %s (outside a kernel)\n", msg.c_str());
        std::abort();
    }
    Fiber& fb = *S.cur;
    record_fault(format("thread (%u,%u,%u): %s", fb.tid.x, fb.tid.y, fb.tid.z, msg.c_str()));
    fb.st = FAULTED;
    to_main(fb, true);  // never resumed: run_block abandons the block
    std::abort();
}

void shared_decl(void* p, size_t bytes, const char*, const char*, int) {
    if (S.shared_seen.insert(p).second) std::memset(p, 0xFF, bytes);  // the first thread of the block to get here
}

void* dynamic_shared() { return S.dyn_shared.data(); }

void set_order(int mode, uint64_t seed) {
    std::lock_guard<std::mutex> g(S.lock);
    read_env();
    S.order = mode;
    S.seed = seed;
}

int order() {
    std::lock_guard<std::mutex> g(S.lock);
    read_env();
    return S.order;
}

void set_grid_cap(dim3 cap) {
    std::lock_guard<std::mutex> g(S.lock);
    read_env();
    S.cap = cap;
}

long faults() { return S.faults; }
const char* last_fault() { return S.fault_msg.c_str(); }
Stats stats() { return S.st; }

void run_grid(const Cfg& c, const std::function<void()>& body, const char* name, const char* file, int line) {
    std::lock_guard<std::mutex> g(S.lock);
    read_env();
    S.st.launches++;
    const unsigned long long threads = 1ull * c.block.x * c.block.y * c.block.z;
    if (threads == 0 || threads > 1024 || c.block.x > 1024 || c.block.y > 1024 || c.block.z > 64 || c.grid.x == 0 ||
        c.grid.y == 0 || c.grid.z == 0 || c.grid.x > 0x7fffffffu || c.grid.y > 65535 || c.grid.z > 65535) {
        fail(cudaErrorInvalidConfiguration,
             format("%s (launched at %s:%d): grid (%u,%u,%u), block (%u,%u,%u)", name, file, line, c.grid.x, c.grid.y,
                    c.grid.z, c.block.x, c.block.y, c.block.z));
        return;
    }
    if (c.shmem > 48 * 1024) {
        fail(cudaErrorInvalidValue, format("%s (launched at %s:%d): %zu bytes of dynamic shared memory (more than "
                                           "48 KiB needs cudaFuncSetAttribute)",
                                           name, file, line, c.shmem));
        return;
    }
    S.dyn_shared.assign(c.shmem, 0xFF);
    S.kernel = name;
    S.launch_file = file;
    S.launch_line = line;
    S.body = &body;
    S.faulted = false;
    S.fault_msg.clear();
    const unsigned gx = S.cap.x ? std::min(c.grid.x, S.cap.x) : c.grid.x;
    const unsigned gy = S.cap.y ? std::min(c.grid.y, S.cap.y) : c.grid.y;
    const unsigned gz = S.cap.z ? std::min(c.grid.z, S.cap.z) : c.grid.z;
    gridDim = dim3(gx, gy, gz);  // a capped grid is a smaller grid, as the kernel sees it
    blockDim = c.block;
    bool ok = true;
    for (unsigned z = 0; z < gz && ok; z++)
        for (unsigned y = 0; y < gy && ok; y++)
            for (unsigned x = 0; x < gx && ok; x++) {
                blockIdx = uint3{x, y, z};
                S.st.blocks++;
                ok = run_block();
            }
    S.body = nullptr;
    S.cur = nullptr;
    if (!ok) {
        S.faults++;
        fail(cudaErrorLaunchFailure, S.fault_msg);
        if (std::getenv("LAMINA_CUDA_EMU_QUIET") == nullptr) std::fprintf(stderr, "cudaemu: %s\n", S.fault_msg.c_str());
    }
}

// ---- inline PTX ------------------------------------------------------------------------------------
namespace {

struct Parsed {
    std::string op;                      // the mnemonic with its modifiers
    std::vector<std::vector<int>> args;  // operand groups: the %N of each (a {...} vector is one group)
};

Parsed parse(const char* tmpl) {
    std::string s(tmpl);
    Parsed p;
    size_t i = s.find_first_not_of(" \t\n");
    size_t j = s.find_first_of(" \t\n", i);
    p.op = s.substr(i, j - i);
    std::string rest = j == std::string::npos ? "" : s.substr(j);
    std::vector<int> group;
    bool in_brace = false;
    for (size_t k = 0; k < rest.size(); k++) {
        const char ch = rest[k];
        if (ch == '{') {
            in_brace = true;
        } else if (ch == '}') {
            in_brace = false;
        } else if (ch == '%') {
            int v = 0;
            size_t m = k + 1;
            while (m < rest.size() && rest[m] >= '0' && rest[m] <= '9') v = v * 10 + (rest[m++] - '0');
            group.push_back(v);
            k = m - 1;
        } else if ((ch == ',' && !in_brace) || ch == ';') {
            if (!group.empty()) p.args.push_back(group);
            group.clear();
            if (ch == ';') break;
        }
    }
    if (!group.empty()) p.args.push_back(group);
    return p;
}

// cvt.rna.tf32.f32: round to 10 mantissa bits, ties away from zero; the low 13 bits are zero.
uint32_t tf32_rna(float x) {
    uint32_t u;
    std::memcpy(&u, &x, 4);
    if ((u & 0x7f800000u) == 0x7f800000u) return (u & 0x007fffffu) ? 0x7fffffffu : u;  // Inf stays, NaN canonical
    u += 0x1000u;  // half of the dropped part, on the magnitude (a carry may reach the exponent: Inf)
    return u & 0xffffe000u;
}

float f32(uint64_t bits) {
    const uint32_t u = static_cast<uint32_t>(bits);
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

struct MmaRegs {
    uint32_t a[4], b[2];
};

}  // namespace

void asm_stmt(const char* tmpl, std::initializer_list<AsmOp> outs, std::initializer_list<AsmOp> ins, const char* file,
              int line) {
    static std::mutex cache_lock;
    static std::unordered_map<const char*, Parsed> cache;
    const Parsed* pp;
    {
        std::lock_guard<std::mutex> g(cache_lock);
        auto it = cache.find(tmpl);
        if (it == cache.end()) it = cache.emplace(tmpl, parse(tmpl)).first;
        pp = &it->second;
    }
    const Parsed& p = *pp;
    std::vector<AsmOp> ops(outs);
    ops.insert(ops.end(), ins.begin(), ins.end());
    auto get = [&](int k) -> const AsmOp& { return ops.at(static_cast<size_t>(k)); };
    auto put32 = [&](int k, uint32_t v) { std::memcpy(get(k).ptr, &v, 4); };
    if (p.op == "cvt.rna.tf32.f32") {
        put32(p.args.at(0).at(0), tf32_rna(f32(get(p.args.at(1).at(0)).bits)));
        return;
    }
    if (p.op == "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32") {
        // D = A·B + C over the warp, with the fragment layouts of the PTX ISA ("Matrix Fragments for
        // mma.m16n8k8" with .tf32): lane = 4·groupID + threadID_in_group.
        const auto& D = p.args.at(0);
        const auto& A = p.args.at(1);
        const auto& B = p.args.at(2);
        const auto& C = p.args.at(3);
        const unsigned lane = lane_id();
        MmaRegs mine;
        for (int r = 0; r < 4; r++) mine.a[r] = static_cast<uint32_t>(get(A.at(r)).bits);
        for (int r = 0; r < 2; r++) mine.b[r] = static_cast<uint32_t>(get(B.at(r)).bits);
        float c[4];
        for (int r = 0; r < 4; r++) c[r] = f32(get(C.at(r)).bits);
        std::memcpy(warp_slot(lane), &mine, sizeof mine);
        warp_sync(0xffffffffu, "mma.sync.m16n8k8", file, line);
        // A[row][k]: lane 4·(row % 8) + k % 4, register (row >= 8) + 2·(k >= 4)
        auto a_at = [&](int row, int k) {
            MmaRegs s;
            std::memcpy(&s, warp_slot(unsigned((row % 8) * 4 + k % 4)), sizeof s);
            return f32(s.a[(row >= 8 ? 1 : 0) + (k >= 4 ? 2 : 0)] & 0xffffe000u);  // the unit reads 19 bits
        };
        // B[k][col]: lane 4·col + k % 4, register (k >= 4)
        auto b_at = [&](int k, int col) {
            MmaRegs s;
            std::memcpy(&s, warp_slot(unsigned(col * 4 + k % 4)), sizeof s);
            return f32(s.b[k >= 4 ? 1 : 0] & 0xffffe000u);
        };
        const int gid = static_cast<int>(lane >> 2), tig = static_cast<int>(lane & 3);
        float d[4];
        for (int q = 0; q < 4; q++) {
            // D/C: c0, c1 at (row gid, cols 2·tig, 2·tig + 1); c2, c3 at row gid + 8
            const int row = gid + (q >= 2 ? 8 : 0), col = 2 * tig + (q & 1);
            double s = 0;  // tf32 products are exact in double; one rounding to fp32 at the end
            for (int k = 0; k < 8; k++) s += double(a_at(row, k)) * double(b_at(k, col));
            d[q] = static_cast<float>(s + double(c[q]));
        }
        warp_sync(0xffffffffu, "mma.sync.m16n8k8", file, line);  // every lane has read the slots
        for (int q = 0; q < 4; q++) {
            uint32_t u;
            std::memcpy(&u, &d[q], 4);
            put32(D.at(q), u);
        }
        return;
    }
    fault("inline PTX at %s:%d is not emulated: '%s'", file, line, tmpl);
}

}  // namespace cudaemu

// ---- runtime API -------------------------------------------------------------------------------------
namespace {

using cudaemu::fail;

// The emulated device's memory: cudaMalloc'd blocks by address, so that copies, memsets and frees
// of addresses outside them fail as on a device instead of corrupting the host.
constexpr size_t kDeviceBytes = size_t(4) << 30;
std::mutex g_mem_lock;
std::map<uintptr_t, size_t> g_blocks;
size_t g_allocated = 0;

// true when [p, p + bytes) lies inside one cudaMalloc'd block
bool on_device(const void* p, size_t bytes) {
    std::lock_guard<std::mutex> g(g_mem_lock);
    const uintptr_t a = reinterpret_cast<uintptr_t>(p);
    auto it = g_blocks.upper_bound(a);
    if (it == g_blocks.begin()) return false;
    --it;
    return a >= it->first && a - it->first <= it->second && bytes <= it->second - (a - it->first);
}

cudaError_t ok() {
    return cudaSuccess;
}

struct Handle {
    int kind;  // 1 stream, 2 event
};

}  // namespace

cudaError_t cudaGetLastError() {
    const cudaError_t e = cudaemu::t_last;
    cudaemu::t_last = cudaSuccess;
    return e;
}
cudaError_t cudaPeekAtLastError() { return cudaemu::t_last; }

const char* cudaGetErrorName(cudaError_t e) {
    switch (e) {
        case cudaSuccess: return "cudaSuccess";
        case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
        case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
        case cudaErrorInitializationError: return "cudaErrorInitializationError";
        case cudaErrorInvalidConfiguration: return "cudaErrorInvalidConfiguration";
        case cudaErrorInvalidDevice: return "cudaErrorInvalidDevice";
        case cudaErrorInvalidResourceHandle: return "cudaErrorInvalidResourceHandle";
        case cudaErrorIllegalAddress: return "cudaErrorIllegalAddress";
        case cudaErrorLaunchOutOfResources: return "cudaErrorLaunchOutOfResources";
        case cudaErrorMisalignedAddress: return "cudaErrorMisalignedAddress";
        case cudaErrorLaunchFailure: return "cudaErrorLaunchFailure";
        case cudaErrorNotSupported: return "cudaErrorNotSupported";
        default: return "cudaErrorUnknown";
    }
}

const char* cudaGetErrorString(cudaError_t e) {
    const char* base;
    switch (e) {
        case cudaSuccess: base = "no error"; break;
        case cudaErrorInvalidValue: base = "invalid argument"; break;
        case cudaErrorMemoryAllocation: base = "out of memory"; break;
        case cudaErrorInvalidConfiguration: base = "invalid configuration argument"; break;
        case cudaErrorLaunchFailure: base = "unspecified launch failure"; break;
        default: base = cudaGetErrorName(e); break;
    }
    if (e != cudaSuccess && e == cudaemu::t_detail_code && !cudaemu::t_detail.empty()) {
        static thread_local std::string s;
        s = std::string(base) + " (emulated device: " + cudaemu::t_detail + ")";
        return s.c_str();
    }
    return base;
}

cudaError_t cudaGetDeviceCount(int* n) {
    *n = 1;
    return ok();
}

cudaError_t cudaGetDeviceProperties(cudaDeviceProp* p, int device) {
    if (device != 0) return fail(cudaErrorInvalidDevice, "the emulated device is device 0");
    std::memset(p, 0, sizeof *p);
    static const char* const kOrder[] = {"forward", "reverse", "shuffled"};
    std::snprintf(p->name, sizeof p->name, "Lamina emulated CUDA device (cudaemu on the CPU, %s thread order)",
                  kOrder[cudaemu::order()]);
    p->major = 8;
    p->minor = 0;
    p->totalGlobalMem = kDeviceBytes;
    p->multiProcessorCount = 1;
    p->sharedMemPerBlock = 48 * 1024;
    p->maxThreadsPerBlock = 1024;
    p->warpSize = 32;
    return ok();
}

cudaError_t cudaRuntimeGetVersion(int* v) {
    *v = 0;  // no CUDA runtime: the emulator
    return ok();
}

cudaError_t cudaDriverGetVersion(int* v) {
    *v = 0;
    return ok();
}

cudaError_t cudaSetDevice(int device) {
    return device == 0 ? ok() : fail(cudaErrorInvalidDevice, "the emulated device is device 0");
}

cudaError_t cudaGetDevice(int* device) {
    *device = 0;
    return ok();
}

cudaError_t cudaMemGetInfo(size_t* f, size_t* t) {
    std::lock_guard<std::mutex> g(g_mem_lock);
    *f = kDeviceBytes - g_allocated;
    *t = kDeviceBytes;
    return ok();
}

cudaError_t cudaDeviceSynchronize() { return ok(); }

cudaError_t cudaStreamCreateWithFlags(cudaStream_t* s, unsigned) {
    *s = reinterpret_cast<cudaStream_t>(new Handle{1});
    return ok();
}

cudaError_t cudaStreamDestroy(cudaStream_t s) {
    if (s == nullptr || reinterpret_cast<Handle*>(s)->kind != 1) return fail(cudaErrorInvalidResourceHandle, "not a stream");
    delete reinterpret_cast<Handle*>(s);
    return ok();
}

cudaError_t cudaStreamSynchronize(cudaStream_t) { return ok(); }  // launches and copies are synchronous

cudaError_t cudaEventCreateWithFlags(cudaEvent_t* e, unsigned) {
    *e = reinterpret_cast<cudaEvent_t>(new Handle{2});
    return ok();
}

cudaError_t cudaEventDestroy(cudaEvent_t e) {
    if (e == nullptr || reinterpret_cast<Handle*>(e)->kind != 2) return fail(cudaErrorInvalidResourceHandle, "not an event");
    delete reinterpret_cast<Handle*>(e);
    return ok();
}

cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t) {
    if (e == nullptr || reinterpret_cast<Handle*>(e)->kind != 2) return fail(cudaErrorInvalidResourceHandle, "not an event");
    return ok();
}

cudaError_t cudaEventSynchronize(cudaEvent_t e) {
    if (e == nullptr || reinterpret_cast<Handle*>(e)->kind != 2) return fail(cudaErrorInvalidResourceHandle, "not an event");
    return ok();
}

cudaError_t cudaMalloc(void** p, size_t bytes) {
    *p = nullptr;
    {
        std::lock_guard<std::mutex> g(g_mem_lock);
        if (bytes > kDeviceBytes - g_allocated) {
            return fail(cudaErrorMemoryAllocation, "cudaMalloc of " + std::to_string(bytes) + " bytes with " +
                                                       std::to_string(kDeviceBytes - g_allocated) + " free");
        }
    }
    void* q = nullptr;
    if (posix_memalign(&q, 256, bytes ? bytes : 1) != 0) {
        return fail(cudaErrorMemoryAllocation, "host memory for cudaMalloc of " + std::to_string(bytes) + " bytes");
    }
    std::lock_guard<std::mutex> g(g_mem_lock);
    g_blocks[reinterpret_cast<uintptr_t>(q)] = bytes;
    g_allocated += bytes;
    *p = q;
    return ok();
}

cudaError_t cudaFree(void* p) {
    if (p == nullptr) return ok();
    {
        std::lock_guard<std::mutex> g(g_mem_lock);
        auto it = g_blocks.find(reinterpret_cast<uintptr_t>(p));
        if (it == g_blocks.end()) return fail(cudaErrorInvalidValue, "cudaFree of an address that cudaMalloc did not return");
        g_allocated -= it->second;
        g_blocks.erase(it);
    }
    std::free(p);
    return ok();
}

cudaError_t cudaMallocHost(void** p, size_t bytes) {
    *p = nullptr;
    if (posix_memalign(p, 4096, bytes ? bytes : 1) != 0) return fail(cudaErrorMemoryAllocation, "cudaMallocHost");
    return ok();
}

cudaError_t cudaFreeHost(void* p) {
    std::free(p);
    return ok();
}

cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind, cudaStream_t) {
    if (bytes == 0) return ok();
    const bool dst_dev = kind == cudaMemcpyHostToDevice || kind == cudaMemcpyDeviceToDevice;
    const bool src_dev = kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyDeviceToDevice;
    if (dst_dev && !on_device(dst, bytes)) {
        return fail(cudaErrorInvalidValue, "cudaMemcpy of " + std::to_string(bytes) +
                                               " bytes to a range outside every cudaMalloc'd block");
    }
    if (src_dev && !on_device(src, bytes)) {
        return fail(cudaErrorInvalidValue, "cudaMemcpy of " + std::to_string(bytes) +
                                               " bytes from a range outside every cudaMalloc'd block");
    }
    std::memmove(dst, src, bytes);
    return ok();
}

cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind) {
    return cudaMemcpyAsync(dst, src, bytes, kind, nullptr);
}

cudaError_t cudaMemsetAsync(void* p, int value, size_t bytes, cudaStream_t) {
    if (bytes == 0) return ok();
    if (!on_device(p, bytes)) {
        return fail(cudaErrorInvalidValue, "cudaMemset of " + std::to_string(bytes) +
                                               " bytes on a range outside every cudaMalloc'd block");
    }
    std::memset(p, value, bytes);
    return ok();
}

cudaError_t cudaMemset(void* p, int value, size_t bytes) { return cudaMemsetAsync(p, value, bytes, nullptr); }
