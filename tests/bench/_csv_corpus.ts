/**
 * The CSV benchmark's corpus, generated at run time (deterministic): seven
 * shapes of file as other tools write them. Floats are printed the way
 * Python's repr (numpy/pandas `to_csv`) prints them: the shortest
 * round-trip digits, scientific below 1e-4 and from 1e16.
 * @module
 */

/** The shapes, in benchmark order. */
export const SHAPES = ["floats", "decimals", "ints", "times", "text", "wide", "sparse"] as const;
/** One shape. */
export type Shape = (typeof SHAPES)[number];

/** A deterministic uniform [0, 1) generator. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Python's repr of a finite double. */
export function pyRepr(x: number): string {
  if (Object.is(x, -0)) return "-0.0";
  if (x === 0) return "0.0";
  const [m, e] = x.toExponential().split("e");
  const exp = Number(e);
  if (exp < -4 || exp >= 16) {
    return `${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  const s = String(x);
  return s.includes(".") || s.includes("e") ? s : `${s}.0`;
}

const WORDS = [
  "alpha",
  "beta",
  "gamma",
  "delta",
  "epsilon",
  "zeta",
  "eta",
  "theta",
  "iota",
  "kappa",
];
const CITIES = ["Berlin", "Lagos", "Lima", "Osaka", "Perth", "Quito", "Oslo", "Pune"];

function pad(n: number, w = 2): string {
  return String(n).padStart(w, "0");
}

/** The header and a row maker for a shape. */
function shape(name: Shape, rand: () => number): { header: string; row: (i: number) => string } {
  const normal = () => {
    const u = 1 - rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  switch (name) {
    case "floats":
      return {
        header: "a,b,c,d,e,f,g",
        row: () => {
          const r: string[] = [];
          for (let c = 0; c < 7; c++) r.push(pyRepr(normal() * 10 ** ((c % 4) - 1)));
          return r.join(",");
        },
      };
    case "decimals":
      return {
        header: "a,b,c,d,e,f,g",
        row: () => {
          const r: string[] = [];
          for (let c = 0; c < 7; c++) {
            const v = (rand() - 0.5) * 10 ** (1 + (c % 4));
            r.push(c === 0 ? String(Math.floor(v)) : v.toFixed(c % 7));
          }
          return r.join(",");
        },
      };
    case "ints":
      return {
        header: "id,small,neg,big,count",
        row: (i) => {
          const big = BigInt(Math.floor(rand() * 2 ** 31)) * 4294967296n +
            BigInt(Math.floor(rand() * 2 ** 32));
          return `${i},${Math.floor(rand() * 1000)},${-Math.floor(rand() * 1e9)},${
            rand() < 0.5 ? -big : big
          },${Math.floor(rand() * 2 ** 40)}`;
        },
      };
    case "times":
      return {
        header: "ts,day,local",
        row: () => {
          const t = 1.5e12 + Math.floor(rand() * 3e11);
          const d = new Date(t);
          const iso = d.toISOString();
          const off = Math.floor(rand() * 25) - 12;
          const micro = pad(Math.floor(rand() * 1e6), 6);
          return `${iso.slice(0, 19)}.${micro}${off < 0 ? "-" : "+"}${pad(Math.abs(off))}:00,${
            iso.slice(0, 10)
          },${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
        },
      };
    case "text":
      return {
        header: "id,city,word,note",
        row: (i) => {
          const n = 3 + Math.floor(rand() * 12);
          const words: string[] = [];
          for (let k = 0; k < n; k++) words.push(WORDS[Math.floor(rand() * WORDS.length)]);
          let note = words.join(" ");
          const q = rand();
          if (q < 0.2) note = `"${note}, ${words[0]}"`;
          else if (q < 0.3) note = `"she said ""${words[1]}""\n${note}"`;
          return `${i},${CITIES[Math.floor(rand() * CITIES.length)]},${
            WORDS[Math.floor(rand() * WORDS.length)]
          },${note}`;
        },
      };
    case "wide":
      return {
        header: Array.from({ length: 200 }, (_, c) => `c${c}`).join(","),
        row: () => {
          const r: string[] = [];
          for (let c = 0; c < 200; c++) {
            r.push(c % 2 ? (rand() * 100).toFixed(2) : String(Math.floor(rand() * 1000)));
          }
          return r.join(",");
        },
      };
    case "sparse":
      return {
        header: Array.from({ length: 20 }, (_, c) => `s${c}`).join(","),
        row: () => {
          const r: string[] = [];
          for (let c = 0; c < 20; c++) r.push(rand() < 0.9 ? "" : pyRepr(normal()));
          return r.join(",");
        },
      };
  }
}

/** Writes `bytes` (about) of a shape to `path`; returns the data rows written. */
export async function writeShape(name: Shape, path: string, bytes: number): Promise<number> {
  const rand = rng(SHAPES.indexOf(name) + 1);
  const { header, row } = shape(name, rand);
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const enc = new TextEncoder();
  try {
    let written = 0;
    let rows = 0;
    await file.write(enc.encode(header + "\n"));
    while (written < bytes) {
      const lines: string[] = [];
      for (let i = 0; i < 5000; i++) lines.push(row(rows++));
      const chunk = enc.encode(lines.join("\n") + "\n");
      let off = 0;
      while (off < chunk.length) off += await file.write(chunk.subarray(off));
      written += chunk.length;
    }
    return rows;
  } finally {
    file.close();
  }
}
