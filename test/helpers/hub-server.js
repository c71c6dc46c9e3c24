// A small stand-in for the Hugging Face Hub on 127.0.0.1, speaking the API paths @huggingface/hub uses, over a
// folder laid out as `datasets/{owner}/{name}/{revision}/...` (revision `main` or `refs/convert/parquet`).
// Used by the tests and the benchmark; no network beyond loopback.
import { createHash } from "node:crypto";
import { createReadStream, readdirSync, readFileSync, statSync, existsSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, join } from "node:path";

const REVISIONS = ["refs/convert/parquet", "main"];

function walk(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p).map((q) => e.name + "/" + q));
    else out.push(e.name);
  }
  return out.sort();
}

/**
 * Faults, to test a misbehaving endpoint: `unavailable` answers the first N requests with 503, `drop` cuts the first
 * N connections before any answer, `oid` replaces every blob id and ETag, `sha` every commit sha.
 * @typedef {{ unavailable?: number, drop?: number, oid?: string, sha?: string }} Faults
 * @param {{ root: string, token?: string, pageSize?: number, lfsMinBytes?: number, faults?: Faults }} opts
 * @returns {Promise<{ url: string, requests: {method: string, path: string}[], downloads: () => string[], close: () => Promise<void> }>}
 */
export async function startHubServer(opts) {
  const { root, token, pageSize = 1000, lfsMinBytes = 0 } = opts;
  const faults = { unavailable: 0, drop: 0, ...opts.faults };
  /** @type {{method: string, path: string, range?: string}[]} */
  const requests = [];
  const hashCache = new Map();

  function fileInfo(abs) {
    const st = statSync(abs);
    const key = `${abs}:${st.size}:${st.mtimeMs}`;
    let h = hashCache.get(key);
    if (!h) {
      const data = readFileSync(abs);
      const git = createHash("sha1").update(`blob ${data.length}\0`).update(data).digest("hex");
      const sha256 = createHash("sha256").update(data).digest("hex");
      h = { size: st.size, git, sha256, lfs: st.size >= lfsMinBytes && !abs.endsWith(".gitattributes") && !abs.endsWith(".md") };
      hashCache.set(key, h);
    }
    return h;
  }

  function revisionDir(repo, rev) {
    const base = join(root, "datasets", repo);
    for (const r of REVISIONS) {
      const d = join(base, r);
      if (!existsSync(d)) continue;
      if (rev === r || rev === commitOf(repo, r)) return { dir: d, name: r };
    }
    // A branch written by a commit (any other folder name).
    if (/^[\w.-]+$/.test(rev) && existsSync(join(base, rev))) return { dir: join(base, rev), name: rev };
    return undefined;
  }

  /** Uploaded LFS objects by sha256, until a commit names them. */
  const lfsObjects = new Map();
  const body = (req) =>
    new Promise((resolve) => {
      const parts = [];
      req.on("data", (c) => parts.push(c));
      req.on("end", () => resolve(Buffer.concat(parts)));
    });

  function commitOf(repo, r) {
    if (faults.sha) return faults.sha;
    const d = join(root, "datasets", repo, r);
    const h = createHash("sha1").update(repo + "@" + r);
    for (const f of walk(d)) h.update(f + ":" + statSync(join(d, f)).size + "\n");
    return h.digest("hex");
  }

  function entry(repoDir, path) {
    const info = fileInfo(join(repoDir, path));
    return {
      type: "file",
      oid: faults.oid ?? info.git,
      size: info.size,
      path,
      ...(info.lfs ? { lfs: { oid: faults.oid ?? info.sha256, size: info.size, pointerSize: 134 } } : {}),
    };
  }

  function json(res, status, body, headers = {}) {
    res.writeHead(status, { "Content-Type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  }

  function notFound(res, code, message) {
    res.writeHead(404, { "Content-Type": "application/json", "X-Error-Code": code });
    res.end(JSON.stringify({ error: message }));
  }

  // Revision names may arrive encoded (`refs%2Fconvert%2Fparquet`) or raw with slashes (listFiles doesn't encode).
  function splitRevision(rest) {
    const decoded = decodeURIComponent(rest);
    for (const r of REVISIONS) {
      if (decoded === r || decoded.startsWith(r + "/")) return [r, decoded.slice(r.length + 1)];
    }
    const i = decoded.indexOf("/");
    return i === -1 ? [decoded, ""] : [decoded.slice(0, i), decoded.slice(i + 1)];
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    requests.push({ method: req.method ?? "GET", path: url.pathname, range: req.headers.range });
    if (faults.drop > 0) {
      faults.drop--;
      return req.socket.destroy();
    }
    if (faults.unavailable > 0) {
      faults.unavailable--;
      return json(res, 503, { error: "Service Unavailable" });
    }
    // LFS upload URLs are pre-signed (the real Hub's point to storage): no Authorization header is sent to them.
    if (token && req.headers.authorization !== `Bearer ${token}` && !url.pathname.startsWith("/lfs-upload/")) {
      return json(res, 401, { error: "Invalid credentials in Authorization header" });
    }
    let m;
    // The write side, as @huggingface/hub's createRepo and commit use it: create, preupload, LFS batch + upload, commit.
    if (url.pathname === "/api/repos/create" && req.method === "POST") {
      body(req).then((b) => {
        const { name, organization, type } = JSON.parse(b.toString() || "{}");
        if (type !== "dataset") return json(res, 400, { error: "the stand-in creates datasets only" });
        const dir = join(root, "datasets", organization, name, "main");
        if (existsSync(dir)) return json(res, 409, { error: "You already created this dataset repo" });
        mkdirSync(dir, { recursive: true });
        json(res, 200, { url: `http://${req.headers.host}/datasets/${organization}/${name}`, name: `${organization}/${name}` });
      });
      return;
    }
    if ((m = url.pathname.match(/^\/api\/datasets\/([^/]+\/[^/]+)\/preupload\/(.+)$/)) && req.method === "POST") {
      body(req).then((b) => {
        const { files = [] } = JSON.parse(b.toString() || "{}");
        json(res, 200, { files: files.map((f) => ({ path: f.path, uploadMode: f.size >= lfsMinBytes && !f.path.endsWith(".md") && !f.path.endsWith(".gitattributes") ? "lfs" : "regular", shouldIgnore: false })) });
      });
      return;
    }
    if ((m = url.pathname.match(/^\/datasets\/([^/]+\/[^/]+)\.git\/info\/lfs\/objects\/batch$/)) && req.method === "POST") {
      body(req).then((b) => {
        const { objects = [] } = JSON.parse(b.toString() || "{}");
        json(res, 200, { transfer: "basic", objects: objects.map((o) => ({ oid: o.oid, size: o.size, ...(lfsObjects.has(o.oid) ? {} : { actions: { upload: { href: `http://${req.headers.host}/lfs-upload/${o.oid}` } } }) })) });
      });
      return;
    }
    if ((m = url.pathname.match(/^\/lfs-upload\/([0-9a-f]{64})$/)) && req.method === "PUT") {
      body(req).then((b) => {
        if (createHash("sha256").update(b).digest("hex") !== m[1]) return json(res, 400, { error: "the uploaded bytes do not match their sha256" });
        lfsObjects.set(m[1], b);
        res.writeHead(200);
        res.end();
      });
      return;
    }
    if ((m = url.pathname.match(/^\/api\/datasets\/([^/]+\/[^/]+)\/commit\/(.+)$/)) && req.method === "POST") {
      const repo = m[1];
      const rev = decodeURIComponent(m[2]);
      body(req).then((b) => {
        const lines = b.toString().split("\n").filter(Boolean).map((l) => JSON.parse(l));
        if (!existsSync(join(root, "datasets", repo))) return notFound(res, "RepoNotFound", "Repository not found");
        const dir = join(root, "datasets", repo, rev);
        for (const { key, value } of lines) {
          if (key === "header") continue;
          const abs = join(dir, value.path);
          if (key === "file") {
            mkdirSync(dirname(abs), { recursive: true });
            writeFileSync(abs, Buffer.from(value.content, value.encoding === "base64" ? "base64" : "utf8"));
          } else if (key === "lfsFile") {
            const data = lfsObjects.get(value.oid);
            if (!data) return json(res, 400, { error: `LFS object ${value.oid} was not uploaded` });
            mkdirSync(dirname(abs), { recursive: true });
            writeFileSync(abs, data);
          } else if (key === "deletedFile") rmSync(abs, { force: true });
        }
        const oid = commitOf(repo, rev);
        json(res, 200, { commitOid: oid, commitUrl: `http://${req.headers.host}/datasets/${repo}/commit/${oid}` });
      });
      return;
    }
    if ((m = url.pathname.match(/^\/api\/datasets\/([^/]+\/[^/]+)\/revision\/(.+)$/))) {
      const repo = m[1];
      const rev = decodeURIComponent(m[2]) === "HEAD" ? "main" : decodeURIComponent(m[2]);
      if (!existsSync(join(root, "datasets", repo))) return notFound(res, "RepoNotFound", `Repository not found`);
      const r = revisionDir(repo, rev);
      if (!r) return notFound(res, "RevisionNotFound", `Invalid rev id: ${rev}`);
      return json(res, 200, {
        _id: createHash("md5").update(repo).digest("hex").slice(0, 24),
        id: repo,
        sha: commitOf(repo, r.name),
        private: false,
        gated: false,
        downloads: 0,
        likes: 0,
        lastModified: "2023-10-03T00:00:00.000Z",
        siblings: walk(r.dir).map((rfilename) => ({ rfilename })),
      });
    }
    if ((m = url.pathname.match(/^\/api\/datasets\/([^/]+\/[^/]+)\/tree\/(.+)$/))) {
      const repo = m[1];
      const [rev, sub] = splitRevision(m[2]);
      const r = revisionDir(repo, rev);
      if (!r) return notFound(res, "RevisionNotFound", `Invalid rev id: ${rev}`);
      const recursive = url.searchParams.get("recursive") === "true";
      const prefix = sub ? sub.replace(/\/$/, "") + "/" : "";
      const all = walk(r.dir).filter((p) => p.startsWith(prefix));
      /** @type {any[]} */
      let items;
      if (recursive) {
        const dirs = new Set();
        for (const p of all) {
          const parts = p.slice(prefix.length).split("/");
          for (let i = 1; i < parts.length; i++) dirs.add(prefix + parts.slice(0, i).join("/"));
        }
        items = [...[...dirs].map((d) => ({ type: "directory", oid: "0".repeat(40), size: 0, path: d })), ...all.map((p) => entry(r.dir, p))];
      } else {
        const seen = new Map();
        for (const p of all) {
          const rest = p.slice(prefix.length);
          const head = rest.split("/")[0];
          if (rest.includes("/")) seen.set(prefix + head, { type: "directory", oid: "0".repeat(40), size: 0, path: prefix + head });
          else seen.set(p, entry(r.dir, p));
        }
        items = [...seen.values()];
      }
      items.sort((a, b) => (a.path < b.path ? -1 : 1));
      const cursor = Number(url.searchParams.get("cursor") ?? 0);
      const page = items.slice(cursor, cursor + pageSize);
      const headers = {};
      if (cursor + pageSize < items.length) {
        const next = new URL(`http://${req.headers.host}${url.pathname}`);
        for (const [k, v] of url.searchParams) if (k !== "cursor") next.searchParams.set(k, v);
        next.searchParams.set("cursor", String(cursor + pageSize));
        headers.Link = `<${next.href}>; rel="next"`;
      }
      return json(res, 200, page, headers);
    }
    if ((m = url.pathname.match(/^\/api\/datasets\/([^/]+\/[^/]+)\/paths-info\/(.+)$/)) && req.method === "POST") {
      const repo = m[1];
      const [rev] = splitRevision(m[2]);
      const r = revisionDir(repo, rev);
      if (!r) return notFound(res, "RevisionNotFound", `Invalid rev id: ${rev}`);
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        const { paths = [] } = JSON.parse(body || "{}");
        const out = paths.filter((p) => existsSync(join(r.dir, p))).map((p) => ({
          ...entry(r.dir, p),
          lastCommit: { id: commitOf(repo, r.name), title: "Upload", date: "2023-10-03T00:00:00.000Z" },
        }));
        json(res, 200, out);
      });
      return;
    }
    if ((m = url.pathname.match(/^\/datasets\/([^/]+\/[^/]+)\/(?:resolve|raw)\/(.+)$/))) {
      const repo = m[1];
      const [rev, path] = splitRevision(m[2]);
      const r = revisionDir(repo, rev);
      if (!r) return notFound(res, "RevisionNotFound", `Invalid rev id: ${rev}`);
      const abs = join(r.dir, path);
      if (!path || !existsSync(abs) || statSync(abs).isDirectory()) return notFound(res, "EntryNotFound", `${path} does not exist`);
      const info = fileInfo(abs);
      const etag = `"${faults.oid ?? (info.lfs ? info.sha256 : info.git)}"`;
      const headers = {
        "Content-Type": "application/octet-stream",
        "Accept-Ranges": "bytes",
        ETag: etag,
        "X-Repo-Commit": commitOf(repo, r.name),
        ...(info.lfs ? { "X-Linked-ETag": etag, "X-Linked-Size": String(info.size) } : {}),
      };
      const range = req.headers.range?.match(/^bytes=(\d+)-(\d*)$/);
      if (range) {
        const start = Number(range[1]);
        const end = Math.min(range[2] ? Number(range[2]) : info.size - 1, info.size - 1);
        res.writeHead(206, { ...headers, "Content-Range": `bytes ${start}-${end}/${info.size}`, "Content-Length": String(end - start + 1) });
        if (req.method === "HEAD" || info.size === 0) return res.end();
        return createReadStream(abs, { start, end }).pipe(res);
      }
      res.writeHead(200, { ...headers, "Content-Length": String(info.size) });
      if (req.method === "HEAD") return res.end();
      return createReadStream(abs).pipe(res);
    }
    json(res, 404, { error: `no route for ${req.method} ${url.pathname}` });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", () => r(undefined)));
  const addr = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${addr.port}`,
    requests,
    // Full-file downloads: resolve GETs that are not the 1-byte probe.
    downloads: () => requests.filter((q) => q.method === "GET" && /\/(resolve|raw)\//.test(q.path) && q.range !== "bytes=0-0").map((q) => q.path),
    close: () =>
      new Promise((r) => {
        server.closeAllConnections?.();
        server.close(() => r(undefined));
      }),
  };
}

