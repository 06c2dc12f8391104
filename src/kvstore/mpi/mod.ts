/**
 * The MPI binding behind the distributed kvstore.
 * @module
 */
export {
  type Comm,
  defaultTimeoutMs,
  type Envelope,
  Mpi,
  mpi,
  type MpiArray,
  underMpirun,
} from "./mpi.ts";
