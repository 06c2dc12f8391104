/* OpenMPI's own MPI_Allreduce (float32 sum, in place) for the bandwidth comparison:
 * prints "bytes seconds_per_call" per size, median of REPS timed batches. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  int provided;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  for (long bytes = 4096; bytes <= 64L << 20; bytes *= 4) {
    long n = bytes / 4;
    float *buf = malloc(bytes);
    for (long i = 0; i < n; i++) buf[i] = 1.0f;
    int iters = (int)(256L * 1024 * 1024 / bytes);
    if (iters < 3) iters = 3;
    if (iters > 20000) iters = 20000;
    double t[7];
    for (int r = -1; r < 7; r++) {
      MPI_Barrier(MPI_COMM_WORLD);
      double t0 = MPI_Wtime();
      for (int i = 0; i < iters; i++) MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
      if (r >= 0) t[r] = (MPI_Wtime() - t0) / iters;
    }
    qsort(t, 7, sizeof(double), cmp);
    if (rank == 0) printf("%ld %.9f\n", bytes, t[3]);
    free(buf);
  }
  MPI_Finalize();
  return 0;
}
