/* cuda_fake.c - tests/cuda_fake.h's host stand-in for the CUDA runtime and
 * the cuda runner's launchers as an object of its own, for the conformance
 * driver linked against it (make conformance-cuda-host): it must come
 * before the libraries on the link line, so that its definitions win. */
#include "tests/cuda_fake.h"
