/**
 * The review page: one HTML document with a small script that asks the local server for pages of records. No
 * framework, nothing fetched from elsewhere (the server's Content-Security-Policy allows only itself).
 */
export const REVIEW_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>prep-data review</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#222}header{position:sticky;top:0;background:#fafafa;border-bottom:1px solid #ddd;padding:.6em 1em;display:flex;gap:.6em;align-items:center;flex-wrap:wrap}
main{max-width:1000px;margin:1em auto;padding:0 1em}.rec{border:1px solid #ddd;border-radius:6px;padding:.6em;margin:.8em 0}.rec.reject{opacity:.55;border-color:#c62828}.rec.accept{border-color:#1a7f37}.rec.edit{border-color:#8250df}
.where{font-family:ui-monospace,monospace;font-size:12px;color:#555}.finding{font-size:12px;color:#c62828}.finding.warning{color:#9a6700}pre{white-space:pre-wrap;background:#f6f6f6;padding:.5em;margin:.4em 0}
textarea{width:100%;min-height:8em;font-family:ui-monospace,monospace}.error{color:#c62828;font-size:12px}button{cursor:pointer}#status{margin-left:auto;color:#555}
</style></head><body>
<header>
<b id="file"></b>
<label>finding <select id="finding"><option value="">any</option></select></label>
<label>decision <select id="decision"><option value="">any</option><option value="undecided">undecided</option><option value="accept">accepted</option><option value="reject">rejected</option><option value="edit">edited</option></select></label>
<label>text <input id="q" type="search"></label>
<button id="apply">Filter</button>
<button id="save">Save</button>
<span id="status"></span>
</header>
<main id="list"></main>
<button id="more" hidden>More</button>
<script>
const token = new URLSearchParams(location.search).get("token");
const api = (path, init) => fetch(path + (path.includes("?") ? "&" : "?") + "token=" + token, init).then(async (r) => ({ status: r.status, body: await r.json() }));
const $ = (id) => document.getElementById(id);
let next = 1;
const reasons = new Set();
function el(tag, attrs, ...kids) { const e = document.createElement(tag); for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v); for (const k of kids) e.append(k); return e; }
function pretty(text) { try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text; } }
function card(r) {
  const c = el("div", { class: "rec " + (r.decision || ""), "data-line": r.line });
  c.append(el("div", { class: "where" }, "line " + r.line + (r.decision ? " — " + r.decision + (r.note ? ": " + r.note : "") : "")));
  for (const f of r.findings) { reasons.add(f.reason); c.append(el("div", { class: "finding " + f.severity }, f.severity + " " + f.reason + ": " + f.message)); }
  const pre = el("pre", {}, pretty(r.edited ? JSON.stringify(r.edited) : r.text));
  c.append(pre);
  const note = el("input", { placeholder: "note", class: "note" });
  const err = el("div", { class: "error" });
  const decide = async (decision, record) => {
    const res = await api("/api/decide", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ line: r.line, decision, note: note.value, record }) });
    if (res.status !== 200) { err.textContent = res.body.error + (res.body.findings ? ": " + res.body.findings.map((f) => f.reason + ": " + f.message).join("; ") : ""); return false; }
    err.textContent = ""; c.className = "rec " + decision; $("status").textContent = res.body.decided + " decided"; return true;
  };
  const accept = el("button", { class: "accept" }, "Accept"); accept.onclick = () => decide("accept");
  const reject = el("button", { class: "reject" }, "Reject"); reject.onclick = () => decide("reject");
  const edit = el("button", { class: "edit" }, "Edit");
  edit.onclick = () => {
    const ta = el("textarea", {}, pretty(r.edited ? JSON.stringify(r.edited) : r.text));
    const keep = el("button", { class: "keep" }, "Keep edit");
    keep.onclick = async () => { if (await decide("edit", ta.value)) { pre.textContent = pretty(ta.value); ta.remove(); keep.remove(); } };
    c.append(ta, keep);
  };
  c.append(note, " ", accept, " ", reject, " ", edit, err);
  return c;
}
async function load(reset) {
  if (reset) { next = 1; $("list").textContent = ""; }
  const p = new URLSearchParams({ from: next, limit: 50, q: $("q").value, finding: $("finding").value, decision: $("decision").value });
  const res = await api("/api/records?" + p);
  $("file").textContent = res.body.file + " (" + res.body.lines + " lines)";
  $("status").textContent = res.body.decided + " decided";
  for (const r of res.body.records) $("list").append(card(r));
  const sel = $("finding"); const have = new Set([...sel.options].map((o) => o.value));
  for (const reason of reasons) if (!have.has(reason)) sel.append(el("option", { value: reason }, reason));
  next = res.body.next; $("more").hidden = !next;
}
$("apply").onclick = () => load(true);
$("more").onclick = () => load(false);
$("save").onclick = async () => { const res = await api("/api/save", { method: "POST" }); $("status").textContent = res.status === 200 ? "saved " + res.body.kept + " records to " + res.body.output + " (" + res.body.rejected + " rejected, " + res.body.edited + " edited)" : "save failed: " + res.body.error; };
load(true);
</script>
</body></html>
`;
