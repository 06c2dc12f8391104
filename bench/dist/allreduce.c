/* OpenMPI's own MPI_Allreduce (float32 sum, in place), the reference of the dist
 * benchmark. Built as a shared library and called from the mxts benchmark process itself
 * (bench/dist/allreduce_worker.ts), so that C and mxts are timed side by side, batch
 * against batch, in one MPI job: this machine's speed drifts by 3x over seconds, and
 * separate runs would compare different machines. MPI is already initialised there (by
 * the mxts binding, on the same libmpi). */
#include <mpi.h>

/* Seconds per call of `iters` back-to-back in-place allreduces of `n` floats on
 * MPI_COMM_WORLD (every rank calls it together). */
double mxts_ref_allreduce(float *buf, long n, int iters) {
  double t0 = MPI_Wtime();
  for (int i = 0; i < iters; i++) {
    MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  }
  return (MPI_Wtime() - t0) / iters;
}
