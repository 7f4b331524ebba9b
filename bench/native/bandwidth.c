/*
 * An independent check of bench's BandwidthProbe: N threads each sum their share of a buffer with AVX-512 loads,
 * the best of P passes, reported by wall time and by the slowest thread's CPU time (the second shows what the memory
 * gives when the threads are not descheduled by neighbours on a busy machine).
 *
 *   gcc -O2 -mavx512f -pthread bench/native/bandwidth.c -o /tmp/bandwidth && /tmp/bandwidth 1024 2 10
 */
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *buffer;
static size_t share;
static volatile float sink[64];
static double cpu[64];

static double seconds(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void *sum(void *arg) {
    long id = (long) arg;
    const char *p = buffer + id * share;
    double start = seconds(CLOCK_THREAD_CPUTIME_ID);
    __m512 a = _mm512_setzero_ps(), b = a, c = a, d = a;
    for (size_t i = 0; i < share; i += 256) {
        a = _mm512_add_ps(a, _mm512_load_ps(p + i));
        b = _mm512_add_ps(b, _mm512_load_ps(p + i + 64));
        c = _mm512_add_ps(c, _mm512_load_ps(p + i + 128));
        d = _mm512_add_ps(d, _mm512_load_ps(p + i + 192));
    }
    sink[id] = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a, b), _mm512_add_ps(c, d)));
    cpu[id] = seconds(CLOCK_THREAD_CPUTIME_ID) - start;
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s MiB threads passes\n", argv[0]);
        return 2;
    }
    size_t total = (size_t) atol(argv[1]) << 20;
    int threads = atoi(argv[2]), passes = atoi(argv[3]);
    if (threads < 1 || threads > 64 || passes < 1 || total % ((size_t) threads * 256) != 0) {
        fprintf(stderr, "threads 1..64, passes >= 1, and MiB divisible across the threads\n");
        return 2;
    }
    share = total / threads;
    buffer = aligned_alloc(4096, total);
    if (buffer == NULL) return 1;
    memset(buffer, 1, total);
    double bestWall = 0, bestCpu = 0;
    for (int pass = 0; pass < passes; pass++) {
        pthread_t workers[64];
        double start = seconds(CLOCK_MONOTONIC);
        for (long i = 0; i < threads; i++) pthread_create(&workers[i], NULL, sum, (void *) i);
        for (int i = 0; i < threads; i++) pthread_join(workers[i], NULL);
        double wall = seconds(CLOCK_MONOTONIC) - start, slowest = 0;
        for (int i = 0; i < threads; i++) if (cpu[i] > slowest) slowest = cpu[i];
        if (total / wall > bestWall) bestWall = total / wall;
        if (total / slowest > bestCpu) bestCpu = total / slowest;
    }
    printf("%zu MiB, %d threads: best %.1f GB/s by wall time, %.1f GB/s by CPU time\n", total >> 20, threads,
           bestWall / 1e9, bestCpu / 1e9);
    return 0;
}
