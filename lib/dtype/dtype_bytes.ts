/**
 * Bytes per value of a tfjs dtype, as tfjs's backends store it: float32 and
 * int32 4, complex64 8 (two float32), bool 1; strings have no fixed size (0
 * here: count them separately). memkit's one table, used by the leak
 * tracker, the dataset probes and the kernel's per-cell report, so they
 * agree with each other and with `tf.memory().numBytes`.
 *
 * @param dtype A tfjs dtype name.
 * @returns Bytes per value; 0 for `string` and unknown names.
 * @example
 * ```ts
 * import { dtypeBytes } from "memkit";
 * if (dtypeBytes("bool") !== 1 || dtypeBytes("float32") !== 4) throw new Error("table");
 * ```
 */
export function dtypeBytes(dtype: string): number {
  switch (dtype) {
    case "float32":
    case "int32":
      return 4;
    case "complex64":
      return 8;
    case "bool":
      return 1;
    default:
      return 0;
  }
}
