/**
 * The cluster code's refusals, one type for all: a job directory that cannot be read or holds
 * another sweep (JobDirError), Slurm unreachable or refusing (SlurmError). With the RangeErrors of
 * a bad id or option (SlurmOptionError is one), they are a one-line answer to the user, not a
 * fault; `clusterRefusal` says which errors are, so that the command layer maps them without
 * knowing the cluster's classes.
 */
export class ClusterError extends Error {}

/** The one line to answer with, when `error` is the cluster code refusing; null for a fault. */
export function clusterRefusal(error: unknown): string | null {
  return error instanceof ClusterError || error instanceof RangeError ? error.message : null;
}
