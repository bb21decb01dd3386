// conclab's page: pick or edit a workload, run it through POST /api/run,
// and draw every model's timeline, on one time axis or each on its own,
// to zoom, pan, hover and play through; ask for advice, a sweep or which
// step to speed up; download the run as the command writes it; share it
// as a link.
// Plain JavaScript, no libraries: the page must work offline.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };

  const ROW = 20; // px per timeline row
  const AXIS = 24; // px of a time axis
  const LINE = 18; // px per editor line (style.css .editor line-height)
  const PAD = 8; // px of editor padding above the first line
  const MIN_WINDOW = 100; // ns: the narrowest stretch of time a timeline zooms to

  const css = getComputedStyle(document.documentElement);
  const mono = () => css.getPropertyValue("--mono");

  const st = {
    doc: null, // the last good answer
    body: null, // the request that got it
    states: [], // state names by number, as spans give them
    causes: [], // what ended a span, by the number of its kind
    style: {}, // state name → {fill, stroke, text, words, words_gil} (GET /api/states)
    order: [], // state names in the legend's order
    columns: [], // [{head, meaning}] (GET /api/columns)
    t: 0, // the cursor, ns
    playing: false,
    seq: 0,
    timer: 0,
    models: [], // per timeline drawn: {res, i, tl, sec, canvas, track, cursor, end, axis, dots}
    hidden: new Set(), // models whose timelines are hidden
    axis: "shared", // "shared": one time axis; "own": each model over its own makespan
    view: [0, 1], // the stretch shown, as fractions of the axis
    domain: 1, // ns: the shared axis, the longest makespan shown
    example: "", // the example loaded, and its text, to link to it by name
    exampleYAML: "",
    hash: "", // the last hash this page wrote
  };

  // ---- formatting -------------------------------------------------------

  // seconds formats nanoseconds exactly as Go's report.Seconds does (the
  // browser test compares the two): whole seconds and above with
  // millisecond precision ("2.000 s"), shorter durations with three
  // significant digits in the largest unit that fits ("12.3 ms", "575 µs",
  // "1.50 µs", "42 ns").
  function seconds(ns) {
    ns = Math.round(ns); // Go's durations are whole nanoseconds
    if (ns < 0) return "-" + seconds(-ns);
    if (ns === 0) return "0 s";
    if (ns < 1000) return ns + " ns";
    if (ns < 999500) return sig3(ns / 1e3) + " µs";
    if (ns < 999500000) return sig3(ns / 1e6) + " ms";
    if (ns < 100e9) return fixed(ns / 1e9, 3) + " s";
    if (ns < 1000e9) return fixed(ns / 1e9, 2) + " s";
    return fixed(ns / 1e9, 1) + " s";
  }

  // sig3 prints v (≥ 1, < 999.5) with three significant digits.
  function sig3(v) {
    return fixed(v, v >= 99.95 ? 0 : v >= 9.995 ? 1 : 2);
  }

  // fixed formats v ≥ 0 with d decimals as Go's %.*f does. Both round the
  // exact binary value, but a tie (1.125 to two decimals) goes to the even
  // digit in Go ("1.12") and up in toFixed ("1.13").
  function fixed(v, d) {
    const s = v.toFixed(d);
    const exact = v.toFixed(d + 30); // a tie has at most a few more digits
    const rest = exact.slice(exact.length - 30);
    if (rest !== "5" + "0".repeat(29)) return s;
    const down = exact.slice(0, exact.length - 30).replace(/\.$/, "");
    return Number(down[down.length - 1]) % 2 === 0 ? down : s;
  }

  // tickStep is the 1-2-5 step that puts at most n ticks on span.
  function tickStep(span, n) {
    for (let p = 1; ; p *= 10) {
      for (const f of [1, 2, 5]) if (span / (f * p) <= n) return f * p;
      if (p > span) return span;
    }
  }

  // tickFormat labels the ticks of a stretch ending at t1 step apart, in
  // the unit of t1 with the decimals the step needs ("2.00012s").
  function tickFormat(step, t1) {
    let unit = 1, name = "ns";
    if (t1 >= 1e9) { unit = 1e9; name = "s"; }
    else if (t1 >= 1e6) { unit = 1e6; name = "ms"; }
    else if (t1 >= 1e3) { unit = 1e3; name = "µs"; }
    const d = Math.min(9, Math.max(0, Math.ceil(-Math.log10(step / unit) - 1e-9)));
    return (t) => (t / unit).toFixed(d) + name;
  }

  // ---- the editor -------------------------------------------------------

  const ta = $("yaml");
  const gutter = $("gutter");
  const mark = $("mark");
  let errLine = 0;

  function renderGutter() {
    const n = ta.value.split("\n").length;
    const frag = document.createDocumentFragment();
    for (let i = 1; i <= n; i++) frag.appendChild(el("div", i === errLine ? "bad" : "", String(i)));
    gutter.replaceChildren(frag);
    syncScroll();
  }

  function syncScroll() {
    gutter.scrollTop = ta.scrollTop;
    if (errLine > 0) mark.style.top = PAD + (errLine - 1) * LINE - ta.scrollTop + "px";
  }

  function caret() {
    const before = ta.value.slice(0, ta.selectionStart).split("\n");
    $("pos").textContent = before.length + ":" + ([...before[before.length - 1]].length + 1);
  }

  function goTo(line, col) {
    const lines = ta.value.split("\n");
    let at = 0;
    for (let i = 0; i < line - 1 && i < lines.length; i++) at += lines[i].length + 1;
    const l = lines[Math.min(line, lines.length) - 1] || "";
    at += [...l].slice(0, Math.max(0, col - 1)).join("").length;
    ta.focus();
    ta.setSelectionRange(at, at);
    const top = PAD + (line - 1) * LINE;
    if (top < ta.scrollTop || top > ta.scrollTop + ta.clientHeight - 2 * LINE) ta.scrollTop = top - ta.clientHeight / 3;
    caret();
  }

  function showError(e) {
    const box = $("error");
    errLine = e && e.line ? e.line : 0;
    for (const inp of document.querySelectorAll(".model input")) inp.classList.remove("bad");
    if (!e) {
      box.hidden = true;
      box.textContent = "";
      mark.hidden = true;
      renderGutter();
      return;
    }
    box.replaceChildren();
    if (e.line) {
      box.appendChild(el("b", "", "line " + e.line + ", col " + e.col));
      box.appendChild(document.createTextNode(": " + e.error));
      box.onclick = () => goTo(e.line, e.col);
    } else {
      box.textContent = e.error;
      box.onclick = null;
    }
    box.dataset.line = e.line || "";
    box.dataset.col = e.col || "";
    box.hidden = false;
    mark.hidden = !errLine;
    if (e.model !== undefined) {
      const inp = document.querySelectorAll(".model input")[modelIndex(e.model)];
      if (inp) inp.classList.add("bad");
    }
    renderGutter();
  }

  // modelIndex maps an index among the non-empty model inputs (what was
  // sent) to an index among all inputs.
  function modelIndex(i) {
    const inputs = [...document.querySelectorAll(".model input")];
    let k = -1;
    for (let j = 0; j < inputs.length; j++) {
      if (inputs[j].value.trim() !== "") k++;
      if (k === i) return j;
    }
    return i;
  }

  ta.addEventListener("input", () => {
    renderGutter();
    caret();
    if ($("example").value) { $("example").value = ""; $("about").textContent = ""; }
    schedule();
  });
  ta.addEventListener("scroll", syncScroll);
  for (const ev of ["keyup", "click", "select"]) ta.addEventListener(ev, caret);
  ta.addEventListener("keydown", (e) => {
    if (e.key === "Tab" && !e.shiftKey) {
      e.preventDefault();
      ta.setRangeText("  ", ta.selectionStart, ta.selectionEnd, "end");
      ta.dispatchEvent(new Event("input"));
    }
  });

  // ---- models, runtime, cores ------------------------------------------

  function addModel(value) {
    const row = el("div", "model");
    const inp = el("input");
    inp.value = value || "";
    inp.placeholder = "e.g. threads(8)";
    inp.spellcheck = false;
    inp.setAttribute("aria-label", "model expression");
    inp.addEventListener("input", schedule);
    const del = el("button", "", "×");
    del.type = "button";
    del.title = "remove this model";
    del.setAttribute("aria-label", "remove model");
    del.onclick = () => { row.remove(); schedule(); };
    row.append(inp, del);
    $("models").appendChild(row);
    return inp;
  }

  function setModels(list) {
    $("models").replaceChildren();
    for (const m of list) addModel(m);
    if (list.length === 0) addModel("");
  }

  function modelInputs() {
    return [...document.querySelectorAll(".model input")].map((i) => i.value.trim()).filter((v) => v);
  }

  $("add-model").onclick = () => addModel("").focus();
  $("runtime").addEventListener("change", schedule);
  $("cores").addEventListener("input", schedule);
  $("run").onclick = () => run();

  // ---- requests ---------------------------------------------------------

  async function getJSON(url) {
    const r = await fetch(url);
    if (!r.ok) throw new Error(url + ": " + r.status);
    return r.json();
  }

  // postJSON sends body to url and returns the answer and its status; a
  // server that does not answer is an error with status 0.
  async function postJSON(url, body) {
    try {
      const r = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      return { ok: r.ok, status: r.status, doc: await r.json() };
    } catch (err) {
      return { ok: false, status: 0, doc: { error: "the server did not answer" } };
    }
  }

  // workloadBody is what every request says of the workload: its text,
  // name, runtime and cores.
  function workloadBody() {
    const body = { yaml: ta.value };
    if ($("example").value) body.name = $("example").value;
    if ($("runtime").value) body.runtime = $("runtime").value;
    const cores = parseInt($("cores").value, 10);
    if (cores > 0) body.cores = cores;
    return body;
  }

  async function loadExample(name, then) {
    const ex = await getJSON("/api/examples/" + encodeURIComponent(name));
    $("example").value = name;
    $("about").textContent = ex.about || "";
    ta.value = ex.yaml;
    ta.scrollTop = 0;
    st.example = name;
    st.exampleYAML = ex.yaml;
    setModels(ex.models || []);
    $("runtime").value = "";
    $("cores").value = "";
    $("cores").placeholder = ex.cores ? "workload's (" + ex.cores + ")" : "this machine's";
    renderGutter();
    caret();
    if (then !== false) {
      st.view = [0, 1];
      st.hidden.clear();
      await run();
    }
  }

  $("example").addEventListener("change", (e) => {
    if (e.target.value) loadExample(e.target.value);
  });

  function schedule() {
    clearTimeout(st.timer);
    st.timer = setTimeout(run, 450);
  }

  async function run() {
    clearTimeout(st.timer);
    const seq = ++st.seq;
    const body = Object.assign(workloadBody(), { models: modelInputs(), spans: true, no_tasks: true });
    $("whatif-model").placeholder = body.models[0] || "threads(8)";
    const status = $("status");
    status.textContent = "simulating…";
    status.className = "status busy";
    const t0 = performance.now();
    const ans = await postJSON("/api/run", body);
    if (seq !== st.seq) return; // a newer run is on its way
    status.className = "status";
    if (ans.status === 0) {
      status.textContent = "the server did not answer";
      return;
    }
    const doc = ans.doc;
    if (!ans.ok) {
      status.textContent = "error " + ans.status;
      document.body.dataset.state = "error";
      document.querySelector(".results").classList.add("stale");
      showError(doc);
      return;
    }
    showError(null);
    document.querySelector(".results").classList.remove("stale");
    const n = doc.results.length;
    status.textContent = doc.workload + " · " + doc.runtime + " · " + doc.cores + (doc.cores === 1 ? " core" : " cores") +
      " · " + n + (n === 1 ? " model" : " models") + " · " + Math.round(performance.now() - t0) + " ms";
    if (doc.models_from !== "request") {
      // Show which models ran when the workload chose them.
      const inputs = [...document.querySelectorAll(".model input")];
      if (inputs.every((i) => !i.value.trim())) setModels(doc.results.map((x) => x.model));
    }
    // Models hidden that no longer ran are forgotten.
    for (const m of [...st.hidden]) if (!doc.results.some((x) => x.model === m)) st.hidden.delete(m);
    st.doc = doc;
    st.body = body;
    for (const b of document.querySelectorAll(".dl")) b.disabled = false;
    render(doc);
    document.body.dataset.workload = doc.workload;
    document.body.dataset.state = "ok";
    writeLink();
  }

  // ---- permalinks -------------------------------------------------------
  //
  // The URL's fragment holds the workload (an example by name, else its
  // text, compressed), the models, runtime and cores, and the view: the
  // models hidden, the axis and the zoom. A reload or a shared link runs
  // the same workload, which the engine simulates to the same result. The
  // last fragment is kept in the browser too, for a visit without one.

  const STORE = "conclab.link";

  function b64url(bytes) {
    let s = "";
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function unb64url(s) {
    const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  // packText writes text for a URL: "z" and its deflated bytes where the
  // browser can deflate, else "b" and its bytes, in base64url.
  async function packText(text) {
    const bytes = new TextEncoder().encode(text);
    if (typeof CompressionStream === "function") {
      const z = new Blob([bytes]).stream().pipeThrough(new CompressionStream("deflate-raw"));
      return "z" + b64url(new Uint8Array(await new Response(z).arrayBuffer()));
    }
    return "b" + b64url(bytes);
  }

  async function unpackText(s) {
    const bytes = unb64url(s.slice(1));
    if (s[0] === "z") {
      const raw = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
      return new TextDecoder().decode(await new Response(raw).arrayBuffer());
    }
    if (s[0] === "b") return new TextDecoder().decode(bytes);
    throw new Error("the link's workload is not one this page wrote");
  }

  // linkOf is the fragment of the page as it is.
  async function linkOf() {
    const q = new URLSearchParams();
    if (st.example && $("example").value === st.example && ta.value === st.exampleYAML) q.set("ex", st.example);
    else q.set("w", await packText(ta.value));
    for (const m of modelInputs()) q.append("m", m);
    if ($("runtime").value) q.set("rt", $("runtime").value);
    if (parseInt($("cores").value, 10) > 0) q.set("cores", String(parseInt($("cores").value, 10)));
    for (const m of st.hidden) q.append("hide", m);
    if (st.axis === "own") q.set("axis", "own");
    if (st.view[0] > 0 || st.view[1] < 1) q.set("zoom", st.view.map((v) => v.toFixed(7)).join(","));
    return "#" + q.toString();
  }

  let linkTimer = 0;
  function writeLink(later) {
    clearTimeout(linkTimer);
    if (later) { linkTimer = setTimeout(() => writeLink(), 300); return; }
    const seq = st.seq;
    linkOf().then((h) => {
      if (seq !== st.seq || h === st.hash) return;
      st.hash = h;
      history.replaceState(null, "", h);
      try { localStorage.setItem(STORE, h); } catch (e) { /* storage off: the URL still holds it */ }
    });
  }

  // openLink loads the page a fragment describes and runs it; false if it
  // describes none.
  async function openLink(hash, examples) {
    let q;
    const h = hash.replace(/^#/, "");
    if (!h) return false;
    if (!h.includes("=")) {
      const name = decodeURIComponent(h);
      if (!examples.some((e) => e.name === name)) return false;
      q = new URLSearchParams();
      q.set("ex", name);
    } else {
      q = new URLSearchParams(h);
    }
    const ex = q.get("ex");
    if (ex !== null) {
      if (!examples.some((e) => e.name === ex)) return false;
      await loadExample(ex, false);
    } else if (q.get("w")) {
      ta.value = await unpackText(q.get("w"));
      st.example = st.exampleYAML = "";
      $("example").value = "";
      $("about").textContent = "";
      setModels([]);
      renderGutter();
      caret();
    } else {
      return false;
    }
    if (q.getAll("m").length) setModels(q.getAll("m"));
    $("runtime").value = q.get("rt") || "";
    $("cores").value = q.get("cores") || "";
    st.hidden = new Set(q.getAll("hide"));
    setAxis(q.get("axis") === "own" ? "own" : "shared", true);
    st.view = [0, 1];
    const z = (q.get("zoom") || "").split(",").map(Number);
    if (z.length === 2 && z[0] >= 0 && z[1] <= 1 && z[1] > z[0]) st.view = z;
    st.hash = "#" + h;
    await run();
    return true;
  }

  window.addEventListener("hashchange", () => {
    if (location.hash !== st.hash && st.examples) openLink(location.hash, st.examples).catch(linkFailed);
  });

  function linkFailed(err) {
    $("status").textContent = "could not open the link: " + err.message;
  }

  $("copy-link").onclick = async () => {
    await linkOf().then((h) => { st.hash = h; history.replaceState(null, "", h); });
    try {
      await navigator.clipboard.writeText(location.href);
      $("status").textContent = "link copied";
    } catch (e) {
      window.prompt("Copy this link:", location.href);
    }
  };

  // ---- rendering --------------------------------------------------------

  function render(doc) {
    st.states = doc.states || [];
    st.causes = doc.causes || [];
    renderSummary(doc);
    renderTimelines();
    renderNarration(doc);
  }

  // words says what a state is called, in a run with or without a GIL.
  function words(s, gil) {
    const sty = st.style[s];
    if (!sty) return s === "idle" ? "idle" : s;
    return gil ? sty.words_gil : sty.words;
  }

  function hasGIL() {
    return st.doc && st.doc.runtime.startsWith("cpython") && !st.doc.runtime.startsWith("cpython-ft") && !st.doc.runtime.endsWith("t");
  }

  // isOpen tells an open workload (arrivals) by its results' served rate.
  function isOpen(doc) {
    return doc.results.some((x) => x.summary.served);
  }

  function renderSummary(doc) {
    const open = isOpen(doc);
    const head = $("summary").tHead.rows[0];
    head.replaceChildren();
    const heads = st.columns.length ? st.columns : [{ head: "model", meaning: "" }];
    heads.forEach((c, j) => {
      const th = el("th", "", c.head);
      th.title = c.meaning;
      head.appendChild(th);
      if (j === 0 && open) {
        const s = el("th", "", "served");
        s.title = "tasks finished per second; ⚠ a model that cannot keep up with the arrivals: its queue grows without bound";
        head.appendChild(s);
      }
    });
    const tbody = $("summary").tBodies[0];
    tbody.replaceChildren();
    const best = new Set(doc.best ? doc.best.results : []);
    const all = doc.results.length > 1 && best.size === doc.results.length;
    const byCol = doc.best && doc.best.by === "p99" ? 3 : 1;
    doc.results.forEach((x, i) => {
      const s = x.summary;
      const lead = doc.results.length > 1 && best.has(i) && !all;
      const tr = el("tr", (lead ? "best" : "") + (lead && best.size > 1 ? " tie" : "") + (st.hidden.has(x.model) ? " hidden" : ""));
      tr.dataset.model = x.model;
      const first = el("td", "model-cell");
      const show = el("input");
      show.type = "checkbox";
      show.checked = !st.hidden.has(x.model);
      show.title = "show this model's timeline";
      show.setAttribute("aria-label", "show the timeline of " + x.model);
      show.onchange = () => setHidden(x.model, !show.checked);
      const a = el("a", "", x.model);
      a.href = "#";
      a.onclick = (e) => {
        e.preventDefault();
        const sec = document.querySelector('.tl-model[data-index="' + i + '"]');
        if (sec) sec.scrollIntoView({ block: "nearest", behavior: "smooth" });
      };
      first.append(show, a);
      if (s.overloaded) {
        const w = el("span", "over", "⚠ overloaded");
        w.title = "cannot keep up: serves " + s.served + " of " + s.offered + " offered; its queue grows without bound, so its latency depends on how long the arrivals last";
        first.appendChild(w);
      }
      if (s.deadlock) {
        const w = el("span", "over dead", "✗ deadlock");
        w.title = s.deadlock;
        first.appendChild(w);
      }
      if (lead) {
        const b = el("span", "lead", best.size > 1 ? "tie" : "best");
        b.title = best.size > 1 ? "within " + pct(doc.best.within) + " of the best " + measure(doc) : "the best " + measure(doc);
        first.appendChild(b);
      }
      tr.appendChild(first);
      s.cells.forEach((c, j) => {
        if (j === 0) {
          if (open) tr.appendChild(el("td", s.overloaded ? "served warn" : "served", s.overloaded ? s.served + " ⚠" : s.served));
          return;
        }
        tr.appendChild(el("td", j === byCol ? "mk" : "", c));
      });
      tbody.appendChild(tr);
    });
    renderBestNote(doc);
  }

  function pct(f) {
    return +(f * 100).toFixed(1) + " %";
  }

  function measure(doc) {
    return doc.best && doc.best.by === "p99" ? "p99 latency" : "makespan";
  }

  // renderBestNote says what the best mark means: one model leads, some
  // tie, all tie (and none is marked), or none keeps up.
  function renderBestNote(doc) {
    const note = $("best-note");
    const b = doc.best;
    const n = doc.results.length;
    note.hidden = true;
    note.dataset.kind = "";
    if (!b || n < 2) return;
    const names = b.results.map((i) => doc.results[i].model);
    const col = b.by === "p99" ? "lat_p99" : "makespan";
    const vals = b.results.map((i) => doc.results[i].summary[col]);
    const within = "within " + pct(b.within) + " of each other";
    let text, kind;
    if (b.results.length === 0) {
      kind = "none";
      text = "Every model is overloaded: none keeps up with the arrivals, so none is marked best.";
    } else if (b.results.length === n) {
      kind = "all";
      text = "No model is marked best: " + (n === 2 ? "both " : "all " + n + " ") + (b.by === "p99" ? "p99 latencies" : "makespans") +
        " are " + within + " (" + vals.join(", ") + "), too close to choose between.";
    } else if (b.results.length > 1) {
      kind = "tie";
      text = list(names) + " tie for the " + (b.by === "p99" ? "lowest p99 latency" : "shortest makespan") + ": " + vals.join(", ") +
        " are " + within + ", so each is marked.";
    } else {
      kind = "one";
      text = names[0] + " has the " + (b.by === "p99" ? "lowest p99 latency among the models that keep up" : "shortest makespan") +
        " by more than " + pct(b.within) + ".";
    }
    note.textContent = text;
    note.dataset.kind = kind;
    note.hidden = false;
  }

  function list(names) {
    if (names.length <= 2) return names.join(" and ");
    return names.slice(0, -1).join(", ") + " and " + names[names.length - 1];
  }

  function renderColumnHelp() {
    const dl = $("column-help");
    dl.replaceChildren();
    for (const c of st.columns) {
      dl.append(el("dt", "", c.head), el("dd", "", c.meaning));
    }
  }

  // ---- drawing states ---------------------------------------------------
  //
  // The colours are report's (GET /api/states): the Okabe–Ito palette of
  // the SVG and HTML reports. States differ in more than hue: work is
  // solid and tall, waiting for the GIL hatched, a blocked loop
  // cross-hatched, the states in which no code runs light, outlined and
  // lower.

  const SHAPE = {
    working: { top: 3, h: ROW - 6 },
    "working-gil-released": { top: 3, h: ROW - 6 },
    "gil-wait": { top: 3, h: ROW - 6, hatch: "/" },
    blocked: { top: 3, h: ROW - 6, hatch: "x" },
    ready: { top: 5, h: ROW - 10, light: true },
    waiting: { top: 7, h: 6, light: true },
    overhead: { top: 6, h: 8 },
  };

  // tiles holds a small canvas per hatched state, the pattern's tile.
  const tiles = {};
  function tile(s) {
    if (tiles[s]) return tiles[s];
    const sty = st.style[s];
    const c = document.createElement("canvas");
    c.width = c.height = 6;
    const g = c.getContext("2d");
    g.fillStyle = "#ffffff";
    g.fillRect(0, 0, 6, 6);
    g.globalAlpha = 0.28;
    g.fillStyle = sty.fill;
    g.fillRect(0, 0, 6, 6);
    g.globalAlpha = 1;
    g.strokeStyle = sty.fill;
    g.lineWidth = 2;
    g.beginPath();
    for (const o of [-6, 0, 6]) { g.moveTo(o, 6); g.lineTo(o + 6, 0); }
    if (SHAPE[s].hatch === "x") for (const o of [-6, 0, 6]) { g.moveTo(o, 0); g.lineTo(o + 6, 6); }
    g.stroke();
    tiles[s] = c;
    return c;
  }

  // paintSpan draws state s from x0 to x1 on the row whose top is y.
  function paintSpan(g, s, x0, x1, y) {
    const sty = st.style[s];
    const sh = SHAPE[s] || { top: 3, h: ROW - 6 };
    const w = Math.max(x1 - x0, 0.6);
    if (!sty) {
      g.fillStyle = "#ccc";
      g.fillRect(x0, y + sh.top, w, sh.h);
      return;
    }
    if (sh.hatch && w >= 3) {
      g.fillStyle = g.createPattern(tile(s), "repeat");
      g.fillRect(x0, y + sh.top, w, sh.h);
      g.strokeStyle = sty.fill;
      g.lineWidth = 1;
      g.strokeRect(x0 + 0.5, y + sh.top + 0.5, w - 1, sh.h - 1);
    } else if (sh.light && sty.stroke && w >= 3) {
      g.fillStyle = sty.fill;
      g.fillRect(x0, y + sh.top, w, sh.h);
      g.strokeStyle = sty.stroke;
      g.lineWidth = 1;
      g.strokeRect(x0 + 0.5, y + sh.top + 0.5, w - 1, sh.h - 1);
    } else {
      // Too narrow for a pattern or an outline: the darker of the two.
      g.fillStyle = sh.light && sty.stroke ? sty.stroke : sty.fill;
      g.fillRect(x0, y + sh.top, w, sh.h);
    }
  }

  // swatch is a legend's sample of state s, drawn as the timelines draw it.
  function swatch(s) {
    const c = el("canvas", "sw");
    const dpr = window.devicePixelRatio || 1;
    c.width = 22 * dpr;
    c.height = ROW * dpr;
    c.style.width = "22px";
    c.style.height = ROW + "px";
    const g = c.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    paintSpan(g, s, 1, 21, 0);
    c.dataset.state = s;
    return c;
  }

  // renderLegend shows the states seen; a wait for a resource is named by
  // the resources waited for in the models shown ("waiting for db").
  function renderLegend(seen, resources) {
    const lg = $("legend");
    lg.replaceChildren();
    const gil = hasGIL();
    for (const s of st.order) {
      if (!seen.has(s)) continue;
      const item = el("span");
      item.dataset.state = s;
      item.dataset.fill = st.style[s].fill;
      const text = s === "resource-wait" && resources && resources.length ? "waiting for " + resources.join(", ") : words(s, gil);
      item.append(swatch(s), document.createTextNode(text));
      lg.appendChild(item);
    }
  }

  // waitedFor lists the resources the spans of the results shown waited
  // for, in the order their timelines list them (the workload's).
  function waitedFor(shown) {
    const names = [];
    for (const res of shown) {
      const tl = res.timeline;
      if (!tl || !tl.resources) continue;
      const used = new Set();
      for (const r of tl.rows) {
        for (let k = 1; r.resource_of && k < r.resource_of.length; k += 2) used.add(r.resource_of[k]);
      }
      tl.resources.forEach((n, i) => { if (used.has(i) && !names.includes(n)) names.push(n); });
    }
    return names;
  }

  // ---- timelines --------------------------------------------------------

  function setHidden(model, hide) {
    if (hide) st.hidden.add(model);
    else st.hidden.delete(model);
    for (const tr of $("summary").tBodies[0].rows) {
      if (tr.dataset.model !== model) continue;
      tr.classList.toggle("hidden", hide);
      const box = tr.querySelector("input[type=checkbox]");
      if (box) box.checked = !hide;
    }
    renderTimelines();
    writeLink(true);
  }

  function renderHiddenChips() {
    const box = $("hidden-models");
    box.replaceChildren();
    if (!st.doc) return;
    const hidden = st.doc.results.filter((x) => st.hidden.has(x.model));
    if (!hidden.length) return;
    box.appendChild(el("span", "sub", "hidden:"));
    for (const x of hidden) {
      const b = el("button", "chip", x.model + " ↺");
      b.type = "button";
      b.title = "show " + x.model + " again";
      b.onclick = () => setHidden(x.model, false);
      box.appendChild(b);
    }
  }

  function setAxis(axis, quiet) {
    st.axis = axis;
    for (const r of document.querySelectorAll('input[name="axis"]')) r.checked = r.value === axis;
    $("axis-sub").textContent = axis === "own" ? "each model over its own makespan" : "one time axis for all models";
    $("timelines").classList.toggle("own", axis === "own");
    if (!quiet) {
      if (st.doc) renderFlat(st.doc.results.filter((x) => !st.hidden.has(x.model)));
      draw();
      writeLink(true);
    }
  }
  for (const r of document.querySelectorAll('input[name="axis"]')) r.addEventListener("change", () => setAxis(r.value));

  function renderTimelines() {
    const box = $("timelines");
    box.replaceChildren();
    hideTip(); // it told of a span of the timelines just taken away
    st.models = [];
    st.axisBar = null;
    const doc = st.doc;
    if (!doc) return;
    const seen = new Set();
    const shown = doc.results.filter((x) => !st.hidden.has(x.model));
    st.domain = Math.max(1, ...shown.map((x) => (x.timeline ? x.timeline.makespan_ns : 0)));
    st.t = Math.min(st.t, st.domain);

    // The shared axis, which stays in view as the timelines scroll.
    const axis = el("div", "axis shared-axis");
    axis.appendChild(el("div"));
    const axisTrack = el("div", "track");
    const axisCanvas = el("canvas");
    axisTrack.appendChild(axisCanvas);
    axis.appendChild(axisTrack);
    box.appendChild(axis);
    st.axisBar = { canvas: axisCanvas, track: axisTrack };
    bindAxis(axisTrack, null);

    doc.results.forEach((res, i) => {
      if (st.hidden.has(res.model)) return;
      const tl = res.timeline || { rows: [], makespan_ns: 0 };
      const sec = el("section", "tl-model");
      sec.id = "tl-" + i;
      sec.dataset.model = res.model;
      sec.dataset.index = i;
      const h = el("h3");
      h.appendChild(el("span", "model-name", res.model));
      const mk = el("span", "makespan");
      mk.append(document.createTextNode("makespan "), el("b", "", res.summary.makespan));
      mk.append(document.createTextNode(" · p99 " + res.summary.lat_p99 + " · cpu " + res.summary.cpu));
      if (res.summary.served) mk.append(document.createTextNode(" · serves " + res.summary.served + " of " + res.summary.offered));
      h.appendChild(mk);
      if (res.summary.overloaded) {
        const w = el("span", "over", "⚠ overloaded");
        w.title = "it cannot keep up with the arrivals: its queue grows without bound";
        h.appendChild(w);
      }
      if (res.summary.deadlock) {
        const w = el("span", "over dead", "✗ deadlock");
        w.title = res.summary.deadlock;
        h.appendChild(w);
      }
      const hide = el("button", "hide", "hide");
      hide.type = "button";
      hide.title = "hide this model's timeline (the others then share the axis)";
      hide.onclick = () => setHidden(res.model, true);
      h.appendChild(hide);
      sec.appendChild(h);
      if (res.summary.deadlock) {
        // Who holds what and waits for what, where the run stopped.
        const note = el("p", "deadlock", "✗ " + res.summary.deadlock.charAt(0).toUpperCase() + res.summary.deadlock.slice(1) +
          ". Nothing can run again: the program would hang here.");
        sec.appendChild(note);
      }
      const m = { res, i, tl, sec, dots: [] };
      if (tl.omitted) {
        sec.appendChild(el("p", "omitted", tl.omitted));
      } else {
        const own = el("div", "axis own-axis");
        own.appendChild(el("div"));
        const ownTrack = el("div", "track");
        const ownCanvas = el("canvas");
        ownTrack.appendChild(ownCanvas);
        own.appendChild(ownTrack);
        sec.appendChild(own);
        m.axis = { canvas: ownCanvas, track: ownTrack };
        bindAxis(ownTrack, m);

        const body = el("div", "tl-body");
        const labels = el("div", "labels");
        // Lanes are grouped by process when processes have several.
        const perProc = {};
        for (const r of tl.rows) if (r.process >= 0) perProc[r.process] = (perProc[r.process] || 0) + 1;
        const procs = Object.values(perProc);
        const multi = procs.length > 1 && procs.some((n) => n > 1);
        tl.rows.forEach((r) => {
          const lab = el("div", "lane-label" + (r.process < 0 ? " task" : ""));
          lab.dataset.kind = r.kind;
          lab.title = (r.title || r.name) + (multi && r.group ? " (" + r.group + ")" : "");
          const dot = el("span", "dot");
          lab.append(dot, el("span", "name", r.name));
          labels.appendChild(lab);
          m.dots.push(dot);
          for (let k = 2; k < r.spans.length; k += 4) seen.add(st.states[r.spans[k]]);
        });
        const track = el("div", "track");
        const canvas = el("canvas");
        canvas.style.height = tl.rows.length * ROW + "px";
        const cursor = el("div", "cursor");
        const end = el("div", "end-mark");
        track.append(canvas, end, cursor);
        body.append(labels, track);
        sec.appendChild(body);
        if (tl.note) sec.appendChild(el("p", "note", tl.note));
        Object.assign(m, { canvas, cursor, end, track, multi });
        bindTrack(track, m);
      }
      box.appendChild(sec);
      st.models.push(m);
    });
    if (!shown.length) box.appendChild(el("p", "omitted", "Every model is hidden; tick one in the summary to show it."));
    renderFlat(shown);
    renderLegend(seen, waitedFor(shown));
    renderHiddenChips();
    draw();
  }

  // renderFlat offers a way out when one model takes so much longer than
  // the others that, on one axis, their timelines are a few pixels wide.
  function renderFlat(shown) {
    const p = $("flat");
    p.replaceChildren();
    p.hidden = true;
    const runs = shown.filter((x) => x.timeline && !x.timeline.omitted).sort((a, b) => b.timeline.makespan_ns - a.timeline.makespan_ns);
    if (runs.length < 2 || st.axis !== "shared") return;
    const ratio = runs[0].timeline.makespan_ns / Math.max(1, runs[1].timeline.makespan_ns);
    if (ratio < 5) return;
    const slow = runs[0].model;
    p.append(el("b", "", slow), document.createTextNode(" takes " + Math.round(ratio) + "× as long as the next, so on one axis the others are squeezed: "));
    const hide = el("button", "link", "hide " + slow);
    hide.type = "button";
    hide.onclick = () => setHidden(slow, true);
    const own = el("button", "link", "give each model its own axis");
    own.type = "button";
    own.onclick = () => setAxis("own");
    p.append(hide, document.createTextNode(", "), own, document.createTextNode(", or zoom in."));
    p.hidden = false;
  }

  // windowOf is the stretch of time a model's timeline shows, in ns.
  function windowOf(m) {
    const d = st.axis === "own" && m ? Math.max(1, m.tl.makespan_ns) : st.domain;
    return [st.view[0] * d, st.view[1] * d];
  }

  function sizeCanvas(c, h) {
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth;
    c.width = Math.max(1, Math.round(w * dpr));
    c.height = Math.max(1, Math.round(h * dpr));
    const g = c.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    return { g, w };
  }

  function drawAxis(canvas, t0, t1) {
    const { g, w } = sizeCanvas(canvas, AXIS);
    g.clearRect(0, 0, w, AXIS);
    g.strokeStyle = "#8a94a3";
    g.fillStyle = "#5f6b7a";
    g.font = "11px " + mono();
    g.beginPath();
    g.moveTo(0, AXIS - 0.5);
    g.lineTo(w, AXIS - 0.5);
    g.stroke();
    const span = Math.max(1, t1 - t0);
    const step = tickStep(span, Math.max(2, Math.floor(w / 90)));
    const label = tickFormat(step, t1);
    for (let t = Math.ceil(t0 / step) * step; t <= t1 + 1e-6; t += step) {
      const x = Math.round(((t - t0) / span) * (w - 1)) + 0.5;
      g.beginPath();
      g.moveTo(x, AXIS - 7);
      g.lineTo(x, AXIS);
      g.stroke();
      const text = label(t);
      const tw = g.measureText(text).width;
      g.fillText(text, Math.min(Math.max(0, x - tw / 2), w - tw), 12);
    }
  }

  // firstSpan is the index of the first span of sp (quadruples, in time
  // order) that ends after t.
  function firstSpan(sp, t) {
    let lo = 0, hi = sp.length / 4;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sp[mid * 4 + 1] <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  let drawQueued = false;
  function drawSoon() {
    if (drawQueued) return;
    drawQueued = true;
    requestAnimationFrame(() => { drawQueued = false; draw(); });
  }

  function draw() {
    if (!st.axisBar) return;
    const [s0, s1] = windowOf(null);
    if (st.axis === "shared") drawAxis(st.axisBar.canvas, s0, s1);
    for (const m of st.models) {
      const [t0, t1] = windowOf(m);
      m.sec.dataset.t0 = Math.round(t0);
      m.sec.dataset.t1 = Math.round(t1);
      if (!m.canvas) continue;
      if (st.axis === "own") drawAxis(m.axis.canvas, t0, t1);
      const rows = m.tl.rows;
      const h = rows.length * ROW;
      const { g, w } = sizeCanvas(m.canvas, h);
      const span = Math.max(1, t1 - t0);
      const xs = (t) => ((t - t0) / span) * w;
      g.clearRect(0, 0, w, h);
      const mkX = Math.min(w, xs(m.tl.makespan_ns));
      const endPct = (100 * (m.tl.makespan_ns - t0)) / span;
      m.end.hidden = endPct < 0 || endPct > 100;
      m.end.style.left = endPct + "%";
      g.font = "11px " + mono();
      const names = m.tl.task_names || [];
      let prevProc = null;
      rows.forEach((r, i) => {
        const y = i * ROW;
        const band = i % 2 ? "#f3f5f8" : "#eef1f5";
        g.fillStyle = band;
        if (mkX > 0) g.fillRect(0, y + 2, mkX, ROW - 4);
        if (m.multi && r.process >= 0 && prevProc !== null && r.process !== prevProc) {
          g.fillStyle = "#8a94a3";
          g.fillRect(0, y, Math.max(0, mkX), 1);
        }
        prevProc = r.process;
        const sp = r.spans;
        let labelled = -1; // the task whose name was drawn last on this row
        for (let k = firstSpan(sp, t0) * 4; k < sp.length && sp[k] < t1; k += 4) {
          const s = st.states[sp[k + 2]];
          const x0 = Math.max(-1, xs(sp[k]));
          const x1 = Math.min(w + 1, Math.max(x0 + 0.6, xs(sp[k + 1])));
          paintSpan(g, s, x0, x1, y);
          // Where one task follows another on a lane, a notch; and the
          // task's name where it fits.
          const task = sp[k + 3];
          if (k > 0 && task !== sp[k - 1] && sp[k - 3] === sp[k] && x1 - x0 > 4 && xs(sp[k - 3]) - xs(sp[k - 4]) > 4) {
            g.fillStyle = "#ffffff";
            g.fillRect(x0 - 0.5, y + 2, 1.5, ROW - 4);
          }
          const name = r.kind !== "task" && task >= 0 ? names[task] : "";
          if (name && labelled !== task) {
            const w0 = x1 - x0;
            const tw = g.measureText(name).width;
            if (w0 >= tw + 12) {
              labelled = task;
              const cx = x0 + w0 / 2;
              const sh = SHAPE[s] || {};
              if (sh.light || sh.hatch || s === "overhead") {
                g.fillStyle = band;
                g.fillRect(cx - tw / 2 - 4, y + 3, tw + 8, ROW - 6);
                g.fillStyle = "#3d4757";
              } else {
                g.fillStyle = (st.style[s] && st.style[s].text) || "#ffffff";
              }
              g.fillText(name, cx - tw / 2, y + ROW / 2 + 4);
            }
          }
        }
      });
    }
    placeCursor();
    showRange();
  }

  function showRange() {
    const out = $("range");
    const full = st.view[0] <= 0 && st.view[1] >= 1;
    if (st.axis === "own") {
      out.textContent = full ? "each over its own makespan" :
        pct(st.view[0]) + " – " + pct(st.view[1]) + " of each makespan (×" + zoomFactor() + ")";
      return;
    }
    const [t0, t1] = windowOf(null);
    out.textContent = full ? "0 – " + seconds(st.domain) : seconds(t0) + " – " + seconds(t1) + " (×" + zoomFactor() + ")";
  }

  function zoomFactor() {
    const f = 1 / (st.view[1] - st.view[0]);
    return f >= 100 ? Math.round(f) : +f.toFixed(1);
  }

  // ---- zoom and pan -----------------------------------------------------

  function setView(v0, v1) {
    const minW = Math.min(1, MIN_WINDOW / Math.max(1, st.domain));
    let w = Math.min(1, Math.max(minW, v1 - v0));
    v0 = Math.min(Math.max(0, v0), 1 - w);
    st.view = [v0, v0 + w];
    hideTip();
    drawSoon();
    writeLink(true);
  }

  // zoomAt zooms by factor (< 1 in, > 1 out) keeping the fraction f of
  // the axis where it is.
  function zoomAt(f, factor) {
    const [a, b] = st.view;
    const w = b - a;
    const nw = Math.min(1, Math.max(Math.min(1, MIN_WINDOW / st.domain), w * factor));
    const k = nw / w;
    setView(f - (f - a) * k, f - (f - a) * k + nw);
  }

  function pan(df) {
    setView(st.view[0] + df, st.view[1] + df);
  }

  function fit() {
    setView(0, 1);
  }

  // fracAt is the fraction of the axis at clientX over track.
  function fracAt(track, clientX) {
    const r = track.getBoundingClientRect();
    const x = Math.min(Math.max(0, clientX - r.left), r.width);
    return st.view[0] + (x / Math.max(1, r.width)) * (st.view[1] - st.view[0]);
  }

  // timeAt is the time at clientX over a model's track (its own axis, or
  // the shared one).
  function timeAt(track, clientX, m) {
    const d = st.axis === "own" && m ? Math.max(1, m.tl.makespan_ns) : st.domain;
    return fracAt(track, clientX) * d;
  }

  // cursorFocus is the fraction to zoom about by keys: the cursor's, when
  // it is in view, else the middle.
  function cursorFocus() {
    const f = st.t / st.domain;
    if (st.axis === "shared" && f >= st.view[0] && f <= st.view[1]) return f;
    return (st.view[0] + st.view[1]) / 2;
  }

  function wheelZoom(track, e) {
    e.preventDefault();
    const dy = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY;
    zoomAt(fracAt(track, e.clientX), Math.exp(dy * 0.002));
  }

  // bindTrack makes a model's timeline answer the pointer: drag to pan,
  // click to move the cursor, Ctrl + wheel to zoom, Shift + wheel (or a
  // sideways wheel) to pan, double-click to fit, hover to tell a span.
  function bindTrack(track, m) {
    let drag = null;
    track.addEventListener("pointerdown", (e) => {
      if (e.button !== 0) return;
      stop();
      track.setPointerCapture(e.pointerId);
      drag = { x: e.clientX, view: st.view.slice(), moved: false };
    });
    track.addEventListener("pointermove", (e) => {
      if (drag) {
        const dx = e.clientX - drag.x;
        if (Math.abs(dx) > 3) drag.moved = true;
        if (drag.moved) {
          track.classList.add("panning");
          const w = track.getBoundingClientRect().width;
          const dv = (-dx / Math.max(1, w)) * (drag.view[1] - drag.view[0]);
          setView(drag.view[0] + dv, drag.view[1] + dv);
        }
        return;
      }
      hover(m, e);
    });
    const up = (e) => {
      if (!drag) return;
      if (!drag.moved) setCursor(timeAt(track, e.clientX, m));
      drag = null;
      track.classList.remove("panning");
    };
    track.addEventListener("pointerup", up);
    track.addEventListener("pointercancel", () => { drag = null; track.classList.remove("panning"); });
    track.addEventListener("pointerleave", () => { if (!drag) hideTip(); });
    track.addEventListener("dblclick", fit);
    track.addEventListener("wheel", (e) => {
      if (e.ctrlKey || e.metaKey) {
        wheelZoom(track, e);
      } else if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
        e.preventDefault();
        const d = e.shiftKey && !e.deltaX ? e.deltaY : e.deltaX;
        pan((d / Math.max(1, track.getBoundingClientRect().width)) * (st.view[1] - st.view[0]));
      }
    }, { passive: false });
  }

  // bindAxis makes a time axis answer the pointer: the wheel zooms, a
  // drag zooms into the stretch dragged over, a click moves the cursor, a
  // double-click fits.
  function bindAxis(track, m) {
    let drag = null;
    const brush = el("div", "brush");
    brush.hidden = true;
    track.appendChild(brush);
    track.addEventListener("wheel", (e) => wheelZoom(track, e), { passive: false });
    track.addEventListener("dblclick", fit);
    track.addEventListener("pointerdown", (e) => {
      if (e.button !== 0) return;
      stop();
      track.setPointerCapture(e.pointerId);
      drag = { x: e.clientX };
    });
    track.addEventListener("pointermove", (e) => {
      if (!drag) return;
      const r = track.getBoundingClientRect();
      const a = Math.min(drag.x, e.clientX) - r.left, b = Math.max(drag.x, e.clientX) - r.left;
      brush.hidden = b - a < 4;
      brush.style.left = Math.max(0, a) + "px";
      brush.style.width = Math.min(r.width, b) - Math.max(0, a) + "px";
    });
    track.addEventListener("pointerup", (e) => {
      if (!drag) return;
      const x0 = drag.x;
      drag = null;
      brush.hidden = true;
      if (Math.abs(e.clientX - x0) < 4) {
        setCursor(timeAt(track, e.clientX, m));
        return;
      }
      const a = fracAt(track, Math.min(x0, e.clientX)), b = fracAt(track, Math.max(x0, e.clientX));
      setView(a, b);
    });
  }

  $("zoom-in").onclick = () => zoomAt(cursorFocus(), 0.5);
  $("zoom-out").onclick = () => zoomAt(cursorFocus(), 2);
  $("zoom-fit").onclick = fit;

  document.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); run(); return; }
    const tag = (e.target.tagName || "").toLowerCase();
    if (e.ctrlKey || e.metaKey || e.altKey || tag === "input" || tag === "textarea" || tag === "select" || e.target.isContentEditable) return;
    if (!st.models.length) return;
    const w = st.view[1] - st.view[0];
    const step = e.shiftKey ? 0.5 : 0.1;
    switch (e.key) {
      case "+": case "=": case "w": case "W": zoomAt(cursorFocus(), 0.5); break;
      case "-": case "_": case "s": case "S": zoomAt(cursorFocus(), 2); break;
      case "ArrowLeft": case "a": case "A": pan(-step * w); break;
      case "ArrowRight": case "d": case "D": pan(step * w); break;
      case "0": case "Home": fit(); break;
      case "Escape": hideTip(); return;
      default: return;
    }
    e.preventDefault();
  });

  let resizeTimer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(draw, 60);
  });

  // ---- hover ------------------------------------------------------------

  // spanNear finds the span of row r at time t, or within px pixels of it
  // at the scale of ns per pixel: its index, or -1.
  function spanNear(r, t, nsPerPx, px) {
    const sp = r.spans;
    const k = firstSpan(sp, t);
    let best = -1, dist = px * nsPerPx;
    for (const j of [k - 1, k, k + 1]) {
      if (j < 0 || j >= sp.length / 4) continue;
      const s = sp[j * 4], e = sp[j * 4 + 1];
      const d = t < s ? s - t : t >= e ? t - e : 0;
      if (d < dist || (d === 0 && dist === 0)) { best = j; dist = d; }
      if (d === 0) return j;
    }
    return best;
  }

  function hover(m, e) {
    if (!m || !m.canvas) return;
    const r = m.canvas.getBoundingClientRect();
    const row = Math.floor((e.clientY - r.top) / ROW);
    const rw = m.tl.rows[row];
    if (!rw) { hideTip(); return; }
    const [t0, t1] = windowOf(m);
    const t = t0 + ((e.clientX - r.left) / Math.max(1, r.width)) * (t1 - t0);
    const j = spanNear(rw, t, (t1 - t0) / Math.max(1, r.width), 3);
    if (j < 0) { hideTip(); return; }
    showTip(m, rw, j, e.clientX, e.clientY);
  }

  function showTip(m, rw, j, x, y) {
    const tip = $("tip");
    const sp = rw.spans;
    const start = sp[j * 4], end = sp[j * 4 + 1], s = st.states[sp[j * 4 + 2]], task = sp[j * 4 + 3];
    const names = m.tl.task_names || [];
    const lanes = m.tl.lane_names || [];
    const gil = hasGIL() && rw.process >= 0;
    tip.replaceChildren();
    const head = el("div", "tip-head");
    const who = rw.kind === "task" ? rw.name : task >= 0 && names[task] ? names[task] : "";
    if (who) head.append(el("b", "tip-task", who), document.createTextNode(rw.kind === "task" ? "" : " on " + rw.name));
    else head.append(el("b", "tip-task", rw.name));
    tip.appendChild(head);
    // A wait for a resource is named by it: "waiting for db".
    let resource = "";
    for (let k = 0; rw.resource_of && k < rw.resource_of.length; k += 2) {
      if (rw.resource_of[k] === j) resource = (m.tl.resources || [])[rw.resource_of[k + 1]] || "";
    }
    const state = el("div", "tip-state");
    state.append(swatch(s), document.createTextNode((rw.resampled ? "mostly " : "") +
      (resource ? "waiting for " + resource : words(s, gil))));
    tip.appendChild(state);
    tip.appendChild(el("div", "tip-time", "start " + seconds(start) + " · for " + seconds(end - start) + " · until " + seconds(end)));
    if (rw.resampled) {
      tip.appendChild(el("div", "tip-cause", (rw.count > 1 ? rw.title || rw.name : rw.name) + ": drawn by what most of it was doing in each stretch"));
    } else if (rw.causes) {
      const kind = rw.causes[j * 3], lane = rw.causes[j * 3 + 1], other = rw.causes[j * 3 + 2];
      let text = st.causes[kind];
      if (text) {
        text = text.replace("{lane}", lane >= 0 && lanes[lane] ? lanes[lane] : "another thread")
          .replace("{task}", other >= 0 && names[other] ? names[other] : "another task")
          .replace("{resource}", resource || "the resource");
        tip.appendChild(el("div", "tip-cause", "ended: " + text));
      } else if (end >= m.tl.makespan_ns) {
        tip.appendChild(el("div", "tip-cause", "ended: the run ended"));
      } else {
        tip.appendChild(el("div", "tip-cause", "ended: by its own progress (the step finished or the wait was over)"));
      }
    }
    tip.hidden = false;
    const w = tip.offsetWidth, h = tip.offsetHeight;
    tip.style.left = Math.min(x + 14, window.innerWidth - w - 8) + "px";
    tip.style.top = (y + 16 + h > window.innerHeight ? y - h - 10 : y + 16) + "px";
  }

  function hideTip() {
    $("tip").hidden = true;
  }
  window.addEventListener("scroll", hideTip, { passive: true });

  // ---- the cursor -------------------------------------------------------

  function stateAt(r, t) {
    const sp = r.spans;
    const k = firstSpan(sp, t);
    if (k >= sp.length / 4 || sp[k * 4] > t) return null;
    return { state: st.states[sp[k * 4 + 2]], task: sp[k * 4 + 3] };
  }

  function setCursor(t) {
    st.t = Math.max(0, Math.min(st.domain, t));
    placeCursor();
    readout();
  }

  function placeCursor() {
    for (const m of st.models) {
      if (!m.cursor) continue;
      const [t0, t1] = windowOf(m);
      const pct = (100 * (st.t - t0)) / Math.max(1, t1 - t0);
      m.cursor.hidden = pct < 0 || pct > 100;
      m.cursor.style.left = pct + "%";
    }
    const [s0, s1] = windowOf(null);
    $("scrub").value = Math.round((1000 * (st.t - s0)) / Math.max(1, s1 - s0));
    $("now").textContent = seconds(st.t);
  }

  function readout() {
    const box = $("readout");
    box.replaceChildren();
    const gil = hasGIL();
    for (const m of st.models) {
      const div = el("div", "rm");
      div.appendChild(el("b", "", m.res.model));
      const ul = el("ul");
      const rows = m.tl.rows;
      const done = st.t >= m.tl.makespan_ns;
      if (done) {
        const li = el("li", "done");
        li.append(el("span", "what", "finished at " + m.res.summary.makespan));
        ul.appendChild(li);
      }
      const limit = 6;
      let shown = 0;
      const counts = {};
      const names = m.tl.task_names || [];
      rows.forEach((r, i) => {
        const at = stateAt(r, st.t);
        const s = at ? at.state : "idle";
        const sty = st.style[s];
        if (m.dots[i]) {
          m.dots[i].style.background = sty ? sty.fill : "transparent";
          m.dots[i].style.borderColor = sty ? sty.stroke || sty.fill : "#cdd3db";
          m.dots[i].title = words(s, gil && r.process >= 0);
        }
        if (done) return;
        counts[s] = (counts[s] || 0) + 1;
        if (shown >= limit) return;
        shown++;
        const li = el("li");
        const sw = el("i");
        sw.style.background = sty ? sty.fill : "#e3e7ec";
        if (sty && sty.stroke) sw.style.border = "1px solid " + sty.stroke;
        let what = words(s, gil && r.process >= 0);
        if (at && at.task >= 0 && names[at.task] && r.kind !== "task") what += " · " + names[at.task];
        if (r.kind === "lanes" || r.kind === "tasks") what = "mostly " + what;
        li.append(sw, el("span", "who", r.name), el("span", "what", what));
        ul.appendChild(li);
      });
      if (!done && rows.length > limit) {
        const parts = Object.entries(counts).map(([s, n]) => n + " " + words(s, false));
        ul.appendChild(el("li", "", "… " + (rows.length - limit) + " more rows; all rows: " + parts.join(", ")));
      }
      div.appendChild(ul);
      box.appendChild(div);
    }
  }

  $("scrub").addEventListener("input", (e) => {
    stop();
    const [s0, s1] = windowOf(null);
    setCursor(s0 + (e.target.value / 1000) * (s1 - s0));
  });

  function stop() {
    st.playing = false;
    $("play").textContent = "▶";
    $("play").setAttribute("aria-label", "Play");
  }

  // Play moves the cursor through the stretch in view in 8 seconds.
  $("play").onclick = () => {
    if (st.playing) { stop(); return; }
    const [s0, s1] = windowOf(null);
    if (st.t < s0 || st.t >= s1) setCursor(s0);
    st.playing = true;
    $("play").textContent = "❚❚";
    $("play").setAttribute("aria-label", "Pause");
    let last = performance.now();
    const tick = (now) => {
      if (!st.playing) return;
      const [a, b] = windowOf(null);
      setCursor(Math.min(b, st.t + ((now - last) / 8000) * (b - a)));
      last = now;
      if (st.t >= b) { stop(); return; }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  };

  // ---- the story --------------------------------------------------------

  function renderNarration(doc) {
    const box = $("narration");
    box.replaceChildren();
    doc.results.forEach((res) => {
      const d = el("details");
      d.open = doc.results.length <= 4;
      d.appendChild(el("summary", "", res.model + " · makespan " + res.summary.makespan));
      const lines = res.narration || [];
      if (res.timeline && res.timeline.omitted) d.appendChild(el("p", "none", res.timeline.omitted));
      if (lines.length) {
        const list = el("ol", "story");
        for (const line of lines) {
          const li = el("li", line.warn ? "warn" : "");
          const at = el("button", "at", (line.warn ? "⚠ " : "") + line.at_s.toFixed(3) + " s");
          at.type = "button";
          at.title = "move the cursor here";
          at.onclick = () => {
            stop();
            if (st.hidden.has(res.model)) setHidden(res.model, false);
            const t = line.at_s * 1e9;
            const [s0, s1] = windowOf(null);
            if (st.axis === "shared" && (t < s0 || t > s1)) {
              const w = st.view[1] - st.view[0];
              setView(t / st.domain - w / 2, t / st.domain + w / 2);
            }
            setCursor(t);
            $("timelines").scrollIntoView({ block: "nearest", behavior: "smooth" });
          };
          li.append(at, el("span", "text", line.text));
          list.appendChild(li);
        }
        d.appendChild(list);
      } else if (!(res.timeline && res.timeline.omitted)) {
        d.appendChild(el("p", "none", "No narration for this run."));
      }
      box.appendChild(d);
    });
  }

  // ---- downloads --------------------------------------------------------
  //
  // The files are the server's: `conclab run --format json|html|svg|trace`,
  // written by package report for the run on the page.

  async function download(format, button) {
    if (!st.body) return;
    const body = Object.assign({}, st.body, { format });
    delete body.spans;
    delete body.no_tasks; // the JSON document lists the tasks, as conclab run does
    const status = $("status");
    button.disabled = true;
    status.textContent = "writing the " + format + " file…";
    try {
      const r = await fetch("/api/run", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      if (!r.ok) {
        const e = await r.json();
        status.textContent = format + ": " + e.error;
        return;
      }
      const blob = await r.blob();
      const m = /filename="?([^";]+)"?/.exec(r.headers.get("Content-Disposition") || "");
      const a = el("a");
      a.href = URL.createObjectURL(blob);
      a.download = m ? m[1] : "conclab." + format;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 60000);
      status.textContent = "saved " + a.download;
    } catch (err) {
      status.textContent = "the server did not answer";
    } finally {
      button.disabled = false;
    }
  }
  for (const b of document.querySelectorAll(".dl")) {
    b.disabled = true;
    b.onclick = () => download(b.dataset.format, b);
  }

  // ---- advise and sweep -------------------------------------------------

  function toolError(id, ans) {
    const box = $(id);
    if (ans.ok) { box.hidden = true; return false; }
    const e = ans.doc;
    box.textContent = (e.field ? e.field + ": " : "") + e.error + (e.line ? " (line " + e.line + ", col " + e.col + ")" : "");
    box.hidden = false;
    return true;
  }

  function textTable(t, mark) {
    const wrap = el("div", "table-wrap");
    const table = el("table", "summary tool-table");
    const tr = el("tr");
    t.head.forEach((h) => tr.appendChild(el("th", "", h)));
    table.appendChild(el("thead")).appendChild(tr);
    const tb = el("tbody");
    t.rows.forEach((row, i) => {
      const r = el("tr", mark ? mark(row, i) : "");
      row.forEach((c) => r.appendChild(el("td", "", c)));
      tb.appendChild(r);
    });
    table.appendChild(tb);
    wrap.appendChild(table);
    return wrap;
  }

  async function busy(form, what, f) {
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    const label = button.textContent;
    button.textContent = what + "…";
    try {
      await f();
    } finally {
      button.disabled = false;
      button.textContent = label;
    }
  }

  $("advise-form").addEventListener("submit", (e) => {
    e.preventDefault();
    busy(e.target, "Advising", advise);
  });

  async function advise() {
    const body = workloadBody();
    if ($("p99").value.trim()) body.p99 = $("p99").value.trim();
    if ($("memory").value.trim()) body.memory = $("memory").value.trim();
    const ans = await postJSON("/api/advise", body);
    const box = $("advice");
    if (toolError("advise-error", ans)) { box.hidden = true; return; }
    const a = ans.doc;
    box.replaceChildren();
    const rows = a.table.rows;
    const figures = (label) => {
      const row = rows.find((r) => r[0] === label);
      if (!row) return "";
      return a.table.head[2] + " " + row[2] + " · " + a.table.head[3] + " " + row[3] + " · " + row[5] + " resident";
    };
    const rec = el("div", "rec");
    if (a.recommendation) {
      rec.append(el("span", "badge", "recommended"), el("b", "mono", a.recommendation.model),
        el("span", "figs", " — " + figures(a.recommendation.model)));
      if (!a.recommendation.model.includes(" ")) {
        const use = el("button", "link", "show it in the timelines");
        use.type = "button";
        use.onclick = () => useModel(a.recommendation.model);
        rec.appendChild(use);
      }
    } else {
      rec.append(el("span", "badge none", "none"), document.createTextNode(" no candidate meets the bounds"));
    }
    box.appendChild(rec);
    if (a.runner_up) {
      const ru = el("div", "runner-up");
      ru.append(el("span", "badge light", "runner-up"), el("b", "mono", a.runner_up.model), el("span", "figs", " — " + figures(a.runner_up.model)));
      box.appendChild(ru);
    }
    box.appendChild(el("h4", "", "Why"));
    const ol = el("ol", "reasons");
    for (const r of a.reasons) ol.appendChild(el("li", "", r));
    box.appendChild(ol);
    if (a.rule_of_thumb) box.appendChild(el("p", "thumb", a.rule_of_thumb));
    const all = el("details", "candidates");
    all.appendChild(el("summary", "", "All " + rows.length + " candidates, best first"));
    all.appendChild(textTable(a.table, (row) => {
      const note = row[row.length - 1];
      return note === "recommended" ? "best" : note === "runner-up" ? "runner" : note ? "rejected" : "";
    }));
    box.appendChild(all);
    box.hidden = false;
  }

  // useModel adds a model to the run, unless it is there, and runs.
  function useModel(expr) {
    if (!modelInputs().includes(expr)) {
      const empty = [...document.querySelectorAll(".model input")].find((i) => !i.value.trim());
      (empty || addModel("")).value = expr;
    }
    st.hidden.delete(expr);
    run().then(() => {
      const sec = document.querySelector('.tl-model[data-model="' + CSS.escape(expr) + '"]');
      if (sec) sec.scrollIntoView({ block: "nearest", behavior: "smooth" });
    });
  }

  // plotOf is a server's SVG plot (a sweep's, a causal profile) as a
  // figure of the page, with what could run code in it taken out.
  function plotOf(text, label) {
    const plot = el("div", "plot");
    const svg = new DOMParser().parseFromString(text, "image/svg+xml").documentElement;
    if (svg && svg.nodeName === "svg") {
      for (const s of svg.querySelectorAll("script, foreignObject")) s.remove();
      svg.setAttribute("role", "img");
      svg.setAttribute("aria-label", label);
      plot.appendChild(document.importNode(svg, true));
    }
    return plot;
  }

  $("sweep-form").addEventListener("submit", (e) => {
    e.preventDefault();
    busy(e.target, "Sweeping", sweep);
  });

  async function sweep() {
    const body = workloadBody();
    body.model = $("sweep-model").value.trim() || $("sweep-model").placeholder;
    if ($("sweep-rate").value.trim()) {
      body.rate = $("sweep-rate").value.trim();
      if (!$("sweep-model").value.trim()) body.model = "asyncio";
      const n = parseInt($("sweep-steps").value, 10);
      if (n > 0) body.steps = n;
    }
    const ans = await postJSON("/api/sweep", body);
    const box = $("sweep");
    if (toolError("sweep-error", ans)) { box.hidden = true; return; }
    const sw = ans.doc;
    box.replaceChildren();
    box.appendChild(el("h4", "", sw.title));
    box.appendChild(plotOf(sw.svg, sw.title));
    box.appendChild(el("p", "knee", sw.knee_text));
    if (sw.knee_note) box.appendChild(el("p", "knee note", sw.knee_note));
    const kneeLabel = sw.knee ? sw.table.rows.findIndex((r) => r[0].endsWith("◀")) : -1;
    box.appendChild(textTable(sw.table, (row, i) => (i === kneeLabel ? "best" : "") + (row[row.length - 1] ? " rejected" : "")));
    box.hidden = false;
  }

  // ---- whatif -----------------------------------------------------------

  const WHATIF_ROWS = 15; // changes listed, as `conclab whatif --top`

  $("whatif-form").addEventListener("submit", (e) => {
    e.preventDefault();
    busy(e.target, "Ranking", whatif);
  });

  // whatif asks the server which step's speed-up buys the most under one
  // model (`conclab whatif`) and shows the ranking, the causal profile and
  // the steps that buy nothing, with why.
  async function whatif() {
    const body = workloadBody();
    body.model = $("whatif-model").value.trim() || $("whatif-model").placeholder;
    if ($("whatif-speedups").value.trim()) body.speedups = $("whatif-speedups").value.trim();
    const ans = await postJSON("/api/whatif", body);
    const box = $("whatif");
    if (toolError("whatif-error", ans)) { box.hidden = true; return; }
    const w = ans.doc;
    const metric = w.ranked_by === "p99" ? "p99 (a server: an open workload)" : "the makespan (a batch)";
    const cut = (e) => (w.ranked_by === "p99" ? e.p99_change : e.makespan_change);
    box.replaceChildren();
    box.appendChild(el("h4", "", w.model + ": " + w.effects.length + (w.effects.length === 1 ? " change" : " changes") +
      " tried, ranked by what they cut of " + metric));
    const b = w.baseline;
    const ns = (s) => seconds(Math.round(s * 1e9));
    box.appendChild(el("p", "base", "as it is: makespan " + ns(b.makespan_s) + ", p50 " + ns(b.p50_s) + ", p99 " + ns(b.p99_s) +
      ", " + b.served_per_s.toFixed(1) + "/s served"));
    const shown = { head: w.table.head, rows: w.table.rows.slice(0, WHATIF_ROWS) };
    box.appendChild(textTable(shown, (row) => (row[row.length - 1] ? "rejected" : "")));
    if (w.table.rows.length > WHATIF_ROWS) {
      box.appendChild(el("p", "more", "The top " + WHATIF_ROWS + " of " + w.table.rows.length + "; the JSON (conclab whatif --format json) lists them all."));
    }
    if (w.effects.length === 0 || w.effects[0].deadlock || cut(w.effects[0]) > -0.01) {
      box.appendChild(el("p", "knee", "No change cuts " + (w.ranked_by === "p99" ? "p99" : "the makespan") +
        " by 1 % or more: no one step, and no resource's size, holds this run back."));
    }
    box.appendChild(plotOf(w.svg, "causal profile of " + w.model));
    if (w.idle.length > 0) {
      box.appendChild(el("h4", "", "Speeding these up buys nothing (under 1 % of " +
        (w.ranked_by === "p99" ? "p99" : "the makespan") + ", even removed)"));
      const ul = el("ul", "idle");
      for (const x of w.idle) {
        const li = el("li");
        li.append(el("span", "mono", x.step), document.createTextNode(" (" + x.what + "): " + x.why + "."));
        ul.appendChild(li);
      }
      box.appendChild(ul);
    }
    box.hidden = false;
  }

  // ---- start ------------------------------------------------------------

  async function start() {
    renderGutter();
    try {
      const [list, runtimes, states, columns] = await Promise.all([
        getJSON("/api/examples"), getJSON("/api/runtimes"), getJSON("/api/states"), getJSON("/api/columns")]);
      for (const s of states) {
        st.style[s.name] = s;
        st.order.push(s.name);
        document.documentElement.style.setProperty("--s-" + s.name, s.fill);
      }
      st.columns = columns;
      renderColumnHelp();
      st.examples = list;
      const sel = $("example");
      for (const ex of list) {
        const o = el("option", "", ex.name);
        o.value = ex.name;
        o.title = ex.about;
        sel.appendChild(o);
      }
      for (const r of runtimes) {
        const o = el("option", "", r);
        o.value = r;
        $("runtime").appendChild(o);
      }
      let stored = "";
      try { stored = localStorage.getItem(STORE) || ""; } catch (e) { /* storage off */ }
      let opened = false;
      try {
        opened = await openLink(location.hash, list) || (!location.hash && await openLink(stored, list));
      } catch (err) {
        linkFailed(err);
      }
      if (!opened) await loadExample(list[0].name);
    } catch (err) {
      $("status").textContent = "could not load the page: " + err.message;
    }
  }
  // For the browser test, which checks seconds against report.Seconds,
  // and for the console.
  window.conclab = { seconds };

  start();
})();
