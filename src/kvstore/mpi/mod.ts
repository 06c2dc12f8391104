/**
 * The MPI binding behind the distributed kvstore.
 * @module
 */
export {
  ALLREDUCE_TAG,
  type Comm,
  defaultTimeoutMs,
  type Envelope,
  Mpi,
  mpi,
  type MpiArray,
  p2pMaxBytes,
  spinMicros,
  underMpirun,
} from "./mpi.ts";
