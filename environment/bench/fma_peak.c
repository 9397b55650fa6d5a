/*
 * The CPU's float32 multiply-add peak, per core, with 512-bit (AVX-512) and 256-bit (AVX2) vectors: 12
 * independent chains of fused multiply-adds, so the FMA units, not latency, set the pace. docs/benchmarks.md
 * compares MKL's matrix products against it ("MKL's vendor check").
 *
 *   gcc -O3 -mavx512f -mfma environment/bench/fma_peak.c -o /tmp/fma_peak && /tmp/fma_peak
 *   (/tmp/fma_peak & /tmp/fma_peak; wait)      # both cores at once
 */
#include <immintrin.h>
#include <stdio.h>
#include <time.h>
#include <string.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
#define BODY(T,FMA,SET) { T b=SET(1.0000001f), c=SET(1e-7f); T x0=SET(0),x1=SET(1),x2=SET(2),x3=SET(3),x4=SET(4),x5=SET(5),x6=SET(6),x7=SET(7),x8=SET(8),x9=SET(9),x10=SET(10),x11=SET(11); \
 double t=now(); for(long k=0;k<n;k++){x0=FMA(x0,b,c);x1=FMA(x1,b,c);x2=FMA(x2,b,c);x3=FMA(x3,b,c);x4=FMA(x4,b,c);x5=FMA(x5,b,c);x6=FMA(x6,b,c);x7=FMA(x7,b,c);x8=FMA(x8,b,c);x9=FMA(x9,b,c);x10=FMA(x10,b,c);x11=FMA(x11,b,c);} t=now()-t; \
 T s=x0+x1+x2+x3+x4+x5+x6+x7+x8+x9+x10+x11; float o[16]; memcpy(o,&s,sizeof(float)); printf("%s %.1f GFLOP/s (%g)\n", #T, n*12.0*sizeof(T)/4*2/t/1e9, o[0]); }
int main(){ long n=300000000;
 BODY(__m512,_mm512_fmadd_ps,_mm512_set1_ps)
 BODY(__m256,_mm256_fmadd_ps,_mm256_set1_ps)
}
