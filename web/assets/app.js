// conclab's page: pick or edit a workload, run it through POST /api/run,
// and draw every model's timeline on one shared time axis with a cursor.
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
  const LINE = 18; // px per editor line (style.css .editor line-height)
  const PAD = 8; // px of editor padding above the first line

  // The words of the terminal's legend (report/timeline.go).
  const WORDS = {
    idle: "idle",
    working: "working",
    "working-gil-released": "working in C (GIL released)",
    "gil-wait": "waiting for the GIL",
    waiting: "waiting (I/O, sleep)",
    blocked: "blocked (loop stalled)",
    ready: "ready, not running",
    overhead: "runtime overhead",
  };
  const LEGEND = ["working", "working-gil-released", "gil-wait", "ready", "waiting", "blocked", "overhead"];
  const css = getComputedStyle(document.documentElement);
  const COLOR = {};
  for (const s of LEGEND) COLOR[s] = css.getPropertyValue("--s-" + s).trim();

  const st = {
    doc: null, // the last good answer
    states: [],
    maxT: 0,
    t: 0,
    playing: false,
    seq: 0,
    timer: 0,
    models: [], // per result: {res, tl, canvas, track, labels, cursor}
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

  function tickStep(m, n) {
    for (let p = 1; ; p *= 10) {
      for (const f of [1, 2, 5]) if (m / (f * p) <= n) return f * p;
      if (p > m) return m;
    }
  }

  function tickLabel(t, m) {
    let unit = 1, name = "ns";
    if (m >= 1e9) { unit = 1e9; name = "s"; }
    else if (m >= 1e6) { unit = 1e6; name = "ms"; }
    else if (m >= 1e3) { unit = 1e3; name = "µs"; }
    return +(t / unit).toPrecision(6) + name;
  }

  // ---- the editor -------------------------------------------------------

  const ta = $("yaml");
  const gutter = $("gutter");
  const mark = $("mark");
  let errLine = 0;

  function renderGutter() {
    const n = ta.value.split("\n").length;
    const frag = document.createDocumentFragment();
    for (let i = 1; i <= n; i++) {
      const d = el("div", i === errLine ? "bad" : "", String(i));
      frag.appendChild(d);
    }
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
  document.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); run(); }
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

  $("add-model").onclick = () => addModel("").focus();
  $("runtime").addEventListener("change", schedule);
  $("cores").addEventListener("input", schedule);
  $("run").onclick = () => run();

  // ---- loading ----------------------------------------------------------

  async function getJSON(url) {
    const r = await fetch(url);
    if (!r.ok) throw new Error(url + ": " + r.status);
    return r.json();
  }

  async function loadExample(name) {
    const ex = await getJSON("/api/examples/" + encodeURIComponent(name));
    $("example").value = name;
    $("about").textContent = ex.about || "";
    ta.value = ex.yaml;
    ta.scrollTop = 0;
    setModels(ex.models || []);
    $("runtime").value = "";
    $("cores").value = "";
    $("cores").placeholder = ex.cores ? "workload's (" + ex.cores + ")" : "this machine's";
    history.replaceState(null, "", "#" + name);
    renderGutter();
    caret();
    await run();
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
    const models = [...document.querySelectorAll(".model input")].map((i) => i.value.trim()).filter((v) => v);
    const body = { yaml: ta.value, models, spans: true, no_tasks: true };
    if ($("example").value) body.name = $("example").value;
    if ($("runtime").value) body.runtime = $("runtime").value;
    const cores = parseInt($("cores").value, 10);
    if (cores > 0) body.cores = cores;
    const status = $("status");
    status.textContent = "simulating…";
    status.className = "status busy";
    const t0 = performance.now();
    let r, doc;
    try {
      r = await fetch("/api/run", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      doc = await r.json();
    } catch (err) {
      if (seq !== st.seq) return;
      status.className = "status";
      status.textContent = "the server did not answer";
      return;
    }
    if (seq !== st.seq) return; // a newer run is on its way
    status.className = "status";
    if (!r.ok) {
      status.textContent = "error " + r.status;
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
      const want = doc.results.map((x) => x.model);
      const inputs = [...document.querySelectorAll(".model input")];
      if (inputs.every((i) => !i.value.trim())) setModels(want);
    }
    st.doc = doc;
    render(doc);
    document.body.dataset.workload = doc.workload;
    document.body.dataset.state = "ok";
  }

  // ---- rendering --------------------------------------------------------

  function render(doc) {
    st.states = doc.states || [];
    st.maxT = Math.max(1, ...doc.results.map((x) => x.timeline ? x.timeline.makespan_ns : 0));
    st.t = Math.min(st.t, st.maxT);
    renderSummary(doc);
    renderTimelines(doc);
    renderNarration(doc);
    setCursor(st.t);
  }

  function renderSummary(doc) {
    const tbody = $("summary").tBodies[0];
    tbody.replaceChildren();
    const best = Math.min(...doc.results.map((x) => x.makespan_s));
    doc.results.forEach((x, i) => {
      const s = x.summary;
      const tr = el("tr", doc.results.length > 1 && x.makespan_s === best ? "best" : "");
      const a = el("a", "", s.model);
      a.href = "#tl-" + i;
      const first = el("td");
      first.appendChild(a);
      tr.appendChild(first);
      const cells = [s.makespan, s.lat_p50, s.lat_p99, s.cpu, s.gil_wait, s.gil_switches, s.stall, s.threads, s.resident, s.reserved];
      cells.forEach((c, j) => tr.appendChild(el("td", j === 0 ? "mk" : "", c)));
      tbody.appendChild(tr);
    });
  }

  function renderLegend(seen) {
    const lg = $("legend");
    lg.replaceChildren();
    const gil = st.doc && st.doc.runtime === "cpython";
    for (const s of LEGEND) {
      if (!seen.has(s)) continue;
      const item = el("span");
      const sw = el("i");
      sw.style.background = COLOR[s];
      item.append(sw, document.createTextNode(s === "working" && gil ? "working (holds the GIL)" : WORDS[s]));
      lg.appendChild(item);
    }
  }

  function renderTimelines(doc) {
    const box = $("timelines");
    box.replaceChildren();
    st.models = [];
    const seen = new Set();

    const axis = el("div", "axis");
    axis.appendChild(el("div"));
    const axisTrack = el("div", "track");
    const axisCanvas = el("canvas");
    axisTrack.appendChild(axisCanvas);
    axis.appendChild(axisTrack);
    box.appendChild(axis);
    st.axis = { canvas: axisCanvas, track: axisTrack };
    bindScrub(axisTrack);

    doc.results.forEach((res, i) => {
      const tl = res.timeline || { rows: [], makespan_ns: 0 };
      const sec = el("section", "tl-model");
      sec.id = "tl-" + i;
      sec.dataset.model = res.model;
      const h = el("h3");
      h.appendChild(el("span", "model-name", res.model));
      const mk = el("span", "makespan");
      mk.append(document.createTextNode("makespan "), el("b", "", res.summary.makespan));
      mk.append(document.createTextNode(" · p99 " + res.summary.lat_p99 + " · cpu " + res.summary.cpu));
      h.appendChild(mk);
      sec.appendChild(h);
      const m = { res, tl, sec, labels: [], dots: [] };
      if (tl.omitted) {
        sec.appendChild(el("p", "omitted", tl.omitted));
      } else {
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
          const name = el("span", "name", r.name);
          lab.append(dot, name);
          labels.appendChild(lab);
          m.dots.push(dot);
          for (let k = 2; k < r.spans.length; k += 4) seen.add(st.states[r.spans[k]]);
        });
        const track = el("div", "track");
        const canvas = el("canvas");
        canvas.style.height = tl.rows.length * ROW + "px";
        const cursor = el("div", "cursor");
        const end = el("div", "end-mark");
        end.style.left = (100 * tl.makespan_ns) / st.maxT + "%";
        track.append(canvas, end, cursor);
        body.append(labels, track);
        sec.appendChild(body);
        if (tl.note) sec.appendChild(el("p", "note", tl.note));
        m.canvas = canvas;
        m.cursor = cursor;
        m.multi = multi;
        bindScrub(track);
      }
      box.appendChild(sec);
      st.models.push(m);
    });
    renderLegend(seen);
    draw();
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

  function draw() {
    if (!st.axis) return;
    const maxT = st.maxT;
    // The axis.
    {
      const { g, w } = sizeCanvas(st.axis.canvas, 24);
      g.clearRect(0, 0, w, 24);
      g.strokeStyle = "#8a94a3";
      g.fillStyle = "#5f6b7a";
      g.font = "11px " + css.getPropertyValue("--mono");
      g.beginPath();
      g.moveTo(0, 23.5);
      g.lineTo(w, 23.5);
      g.stroke();
      const step = tickStep(maxT, Math.max(2, Math.floor(w / 80)));
      for (let t = 0; t <= maxT + 1e-9; t += step) {
        const x = Math.round((t / maxT) * (w - 1)) + 0.5;
        g.beginPath();
        g.moveTo(x, 17);
        g.lineTo(x, 24);
        g.stroke();
        const label = tickLabel(t, maxT);
        const tw = g.measureText(label).width;
        g.fillText(label, Math.min(Math.max(0, x - tw / 2), w - tw), 12);
      }
    }
    for (const m of st.models) {
      if (!m.canvas) continue;
      const rows = m.tl.rows;
      const h = rows.length * ROW;
      const { g, w } = sizeCanvas(m.canvas, h);
      const xs = (t) => (t / maxT) * w;
      g.clearRect(0, 0, w, h);
      const mkX = xs(m.tl.makespan_ns);
      g.font = "11px " + css.getPropertyValue("--mono");
      let prevProc = null;
      rows.forEach((r, i) => {
        const y = i * ROW;
        g.fillStyle = i % 2 ? "#f3f5f8" : "#eef1f5";
        g.fillRect(0, y + 2, mkX, ROW - 4);
        if (m.multi && r.process >= 0 && prevProc !== null && r.process !== prevProc) {
          g.fillStyle = "#8a94a3";
          g.fillRect(0, y, mkX, 1);
        }
        prevProc = r.process;
        const sp = r.spans;
        const names = m.tl.task_names || [];
        let labelled = -1; // the task whose name was drawn last on this row
        for (let k = 0; k < sp.length; k += 4) {
          const s = st.states[sp[k + 2]];
          const x0 = xs(sp[k]);
          const x1 = Math.max(x0 + 0.6, xs(sp[k + 1]));
          g.fillStyle = COLOR[s] || "#ccc";
          let top = y + 3, bh = ROW - 6;
          if (s === "waiting") { top = y + 7; bh = 6; }
          else if (s === "overhead") { top = y + 6; bh = 8; }
          else if (s === "ready") { top = y + 5; bh = ROW - 10; }
          g.fillRect(x0, top, x1 - x0, bh);
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
              if (s === "waiting" || s === "overhead") {
                g.fillStyle = i % 2 ? "#f3f5f8" : "#eef1f5";
                g.fillRect(cx - tw / 2 - 4, y + 2, tw + 8, ROW - 4);
                g.fillStyle = "#3d4757";
              } else {
                g.fillStyle = "#ffffff";
              }
              g.fillText(name, cx - tw / 2, y + ROW / 2 + 4);
            }
          }
        }
      });
    }
  }

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
          at.onclick = () => { stop(); setCursor(line.at_s * 1e9); $("timelines").scrollIntoView({ block: "nearest", behavior: "smooth" }); };
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

  // ---- the cursor -------------------------------------------------------

  function stateAt(r, t) {
    const sp = r.spans;
    let lo = 0, hi = sp.length / 4 - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (sp[mid * 4] <= t) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (found < 0 || sp[found * 4 + 1] <= t) return null;
    return { state: st.states[sp[found * 4 + 2]], task: sp[found * 4 + 3] };
  }

  function setCursor(t) {
    st.t = Math.max(0, Math.min(st.maxT, t));
    const pct = (100 * st.t) / st.maxT;
    for (const m of st.models) if (m.cursor) m.cursor.style.left = pct + "%";
    $("scrub").value = Math.round((1000 * st.t) / st.maxT);
    $("now").textContent = seconds(st.t);
    readout();
  }

  function readout() {
    const box = $("readout");
    box.replaceChildren();
    const gil = st.doc && st.doc.runtime === "cpython";
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
      rows.forEach((r, i) => {
        const at = stateAt(r, st.t);
        const s = at ? at.state : "idle";
        if (m.dots[i]) {
          m.dots[i].style.background = COLOR[s] || "transparent";
          m.dots[i].style.borderColor = COLOR[s] || "#cdd3db";
          m.dots[i].title = WORDS[s];
        }
        if (done) return;
        counts[s] = (counts[s] || 0) + 1;
        if (shown >= limit) return;
        shown++;
        const li = el("li");
        const sw = el("i");
        sw.style.background = COLOR[s] || "#e3e7ec";
        let what = s === "working" && gil && r.process >= 0 ? "working (holds the GIL)" : WORDS[s] || s;
        const names = m.tl.task_names || [];
        if (at && at.task >= 0 && names[at.task] && r.kind !== "task") what += " · " + names[at.task];
        if (r.kind === "lanes" || r.kind === "tasks") what = "mostly " + what;
        li.append(sw, el("span", "who", r.name), el("span", "what", what));
        ul.appendChild(li);
      });
      if (!done && rows.length > limit) {
        const parts = Object.entries(counts).map(([s, n]) => n + " " + (WORDS[s] || s));
        ul.appendChild(el("li", "", "… " + (rows.length - limit) + " more rows; all rows: " + parts.join(", ")));
      }
      div.appendChild(ul);
      box.appendChild(div);
    }
  }

  function bindScrub(track) {
    const at = (e) => {
      const r = track.getBoundingClientRect();
      setCursor(((e.clientX - r.left) / r.width) * st.maxT);
    };
    track.addEventListener("pointerdown", (e) => {
      stop();
      track.setPointerCapture(e.pointerId);
      at(e);
      const move = (ev) => at(ev);
      const up = () => {
        track.removeEventListener("pointermove", move);
        track.removeEventListener("pointerup", up);
      };
      track.addEventListener("pointermove", move);
      track.addEventListener("pointerup", up);
    });
  }

  $("scrub").addEventListener("input", (e) => { stop(); setCursor((e.target.value / 1000) * st.maxT); });

  function stop() {
    st.playing = false;
    $("play").textContent = "▶";
    $("play").setAttribute("aria-label", "Play");
  }

  $("play").onclick = () => {
    if (st.playing) { stop(); return; }
    if (st.t >= st.maxT) setCursor(0);
    st.playing = true;
    $("play").textContent = "❚❚";
    $("play").setAttribute("aria-label", "Pause");
    const span = 8000; // ms of wall time for the whole axis
    let last = performance.now();
    const tick = (now) => {
      if (!st.playing) return;
      setCursor(st.t + ((now - last) / span) * st.maxT);
      last = now;
      if (st.t >= st.maxT) { stop(); return; }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  };

  let resizeTimer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(draw, 60);
  });

  // ---- start ------------------------------------------------------------

  async function start() {
    renderGutter();
    try {
      const [list, runtimes] = await Promise.all([getJSON("/api/examples"), getJSON("/api/runtimes")]);
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
      const want = decodeURIComponent(location.hash.slice(1));
      await loadExample(list.some((e) => e.name === want) ? want : list[0].name);
    } catch (err) {
      $("status").textContent = "could not load the examples: " + err.message;
    }
  }
  // For the browser test, which checks seconds against report.Seconds,
  // and for the console.
  window.conclab = { seconds };

  start();
})();
