/**
 * S3 and S3-compatible object storage: `s3://bucket/key` URLs, AWS SigV4
 * signing through aws4fetch, and ListObjectsV2 with continuation tokens.
 * @module
 */
import { AwsClient } from "aws4fetch";
import {
  type MakeRequest,
  remoteBody,
  remoteDefaults,
  type RemoteOptions,
  type RemoteTarget,
} from "./_http.ts";

/** Where and as whom to reach S3; each field falls back to the usual AWS_* variables. */
export interface S3Options {
  /**
   * The endpoint of an S3-compatible server, e.g. `http://127.0.0.1:7480`
   * (`AWS_ENDPOINT_URL_S3`, then `AWS_ENDPOINT_URL`).
   * @default {AWS's endpoint for the region}
   */
  endpoint?: string;
  /**
   * The region signed for (`AWS_REGION`, then `AWS_DEFAULT_REGION`).
   * @default {"us-east-1"}
   */
  region?: string;
  /** The access key id (`AWS_ACCESS_KEY_ID`). */
  accessKeyId?: string;
  /** The secret key (`AWS_SECRET_ACCESS_KEY`). */
  secretAccessKey?: string;
  /** A session token for temporary credentials (`AWS_SESSION_TOKEN`). */
  sessionToken?: string;
  /**
   * Path-style URLs (`endpoint/bucket/key`) rather than virtual hosts
   * (`bucket.endpoint/key`); `AWS_S3_FORCE_PATH_STYLE=true` sets it too.
   * @default {true with an endpoint, false for AWS}
   */
  pathStyle?: boolean;
}

/** One object found by a listing. */
export interface S3Object {
  /** The object's key. */
  key: string;
  /** Its size in bytes. */
  size: number;
  /** Its ETag. */
  etag: string;
}

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined; // no --allow-env: options only
  }
}

/** A connection to one S3 service: signs requests and maps s3:// URLs to endpoint URLs. */
export class S3Client {
  readonly #aws: AwsClient;
  readonly #endpoint: URL;
  readonly #pathStyle: boolean;

  constructor(options: S3Options = {}) {
    const accessKeyId = options.accessKeyId ?? env("AWS_ACCESS_KEY_ID");
    const secretAccessKey = options.secretAccessKey ?? env("AWS_SECRET_ACCESS_KEY");
    if (!accessKeyId || !secretAccessKey) {
      throw new TypeError(
        "Cannot reach S3: no credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, " +
          "or pass s3: { accessKeyId, secretAccessKey })",
      );
    }
    const region = options.region ?? env("AWS_REGION") ?? env("AWS_DEFAULT_REGION") ?? "us-east-1";
    const endpoint = options.endpoint ?? env("AWS_ENDPOINT_URL_S3") ?? env("AWS_ENDPOINT_URL");
    try {
      this.#endpoint = new URL(endpoint ?? `https://s3.${region}.amazonaws.com`);
    } catch {
      throw new TypeError(`Cannot reach S3: the endpoint "${endpoint}" is not a URL`);
    }
    this.#pathStyle = options.pathStyle ?? (env("AWS_S3_FORCE_PATH_STYLE") === "true" ||
      endpoint !== undefined);
    this.#aws = new AwsClient({
      accessKeyId,
      secretAccessKey,
      sessionToken: options.sessionToken ?? env("AWS_SESSION_TOKEN"),
      region,
      service: "s3",
      retries: 0, // retries are ours (remoteBody), with the errors we name
    });
  }

  /** Signs a GET with the given headers. */
  readonly request: MakeRequest = async (url, headers) => {
    return await this.#aws.sign(url.href, { method: "GET", headers });
  };

  /** The endpoint URL of a key (path-style or virtual-host). */
  url(bucket: string, key: string, query = ""): URL {
    const path = key.split("/").map(encodeURIComponent).join("/");
    const base = new URL(this.#endpoint.href);
    const root = base.pathname.replace(/\/$/, "");
    if (this.#pathStyle) base.pathname = `${root}/${bucket}/${path}`;
    else {
      base.hostname = `${bucket}.${base.hostname}`;
      base.pathname = `${root}/${path}`;
    }
    base.search = query;
    return base;
  }

  /** The remote target for one object (size and ETag when a listing gave them). */
  target(bucket: string, key: string, known?: { size?: number; etag?: string }): RemoteTarget {
    return {
      name: `s3://${bucket}/${key}`,
      url: this.url(bucket, key),
      request: this.request,
      size: known?.size,
      etag: known?.etag,
    };
  }

  /**
   * Every object under `prefix`, in key order, page by page (ListObjectsV2
   * with continuation tokens; `pageSize` keys per request, at most 1000).
   */
  async list(
    bucket: string,
    prefix: string,
    remote: RemoteOptions = {},
    signal?: AbortSignal,
    pageSize = 1000,
  ): Promise<S3Object[]> {
    const opts = remoteDefaults(remote);
    const out: S3Object[] = [];
    let token: string | undefined;
    // Bounded: a server that repeats a token would loop forever.
    const seen = new Set<string>();
    for (let page = 0; page < 1_000_000; page++) {
      const q = new URLSearchParams({ "list-type": "2", prefix, "max-keys": String(pageSize) });
      if (token) q.set("continuation-token", token);
      const target: RemoteTarget = {
        name: `s3://${bucket}/${prefix} (listing, page ${page + 1})`,
        url: this.url(bucket, "", q.toString()),
        request: this.request,
      };
      const parts: Uint8Array[] = [];
      for await (const c of remoteBody(target, 0, undefined, opts, signal)) parts.push(c);
      const xml = new TextDecoder().decode(concat(parts));
      for (const m of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
        const key = unescapeXml(tag(m[1], "Key") ?? "");
        const size = Number(tag(m[1], "Size"));
        const etag = unescapeXml(tag(m[1], "ETag") ?? "");
        if (key.endsWith("/") && size === 0) continue; // a "folder" marker
        out.push({ key, size, etag });
      }
      if (tag(xml, "IsTruncated") !== "true") return out;
      token = unescapeXml(tag(xml, "NextContinuationToken") ?? "");
      if (!token || seen.has(token)) {
        throw new TypeError(
          `Cannot list s3://${bucket}/${prefix}: the server said the listing goes on but gave ${
            token ? "a continuation token it gave before" : "no continuation token"
          }`,
        );
      }
      seen.add(token);
    }
    throw new TypeError(`Cannot list s3://${bucket}/${prefix}: more than a million pages`);
  }
}

function tag(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  return m?.[1];
}

function unescapeXml(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-f]+);/gi, (_, e: string) => {
    switch (e.toLowerCase()) {
      case "lt":
        return "<";
      case "gt":
        return ">";
      case "amp":
        return "&";
      case "quot":
        return '"';
      case "apos":
        return "'";
    }
    return String.fromCodePoint(
      e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : Number(e.slice(1)),
    );
  });
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Splits `s3://bucket/key` into bucket and key. */
export function parseS3(url: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(url);
  if (!m || !m[1]) throw new TypeError(`Not an s3:// URL: "${url}" (expected s3://bucket/key)`);
  return { bucket: m[1], key: m[2] };
}
