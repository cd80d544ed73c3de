"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  // The SVG namespace, taken from a parsed <svg> element (the page holds no URL).
  const SVG_NS = $("svg-namespace").namespaceURI;
  const HEALTHS = ["healthy", "restricted", "liquidation", "takeover"];
  const KEY_ITEM = "margin.dashboard.key";
  const FEED_MAX = 200;

  /** An element with attributes and children; strings become text nodes (never parsed as markup). */
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const kid of kids) if (kid !== null && kid !== undefined) e.append(kid instanceof Node ? kid : String(kid));
    return e;
  }
  /** An SVG element with attributes and an optional text content. */
  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = String(text);
    return e;
  }
  const clear = (node) => { while (node.firstChild) node.removeChild(node.firstChild); };
  const usd = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  const price = new Intl.NumberFormat("en-US", { maximumSignificantDigits: 6 });
  const fmt = (v) => (typeof v === "number" && isFinite(v)) ? usd.format(v) : (v === undefined || v === null ? "—" : String(v));
  const coin = new Intl.NumberFormat("en-US", { maximumFractionDigits: 8 });
  /** A decimal-string balance, rounded for display (the exact string on hover). */
  const balance = (text) => { const n = Number(text); return el("span", { title: String(text) }, isFinite(n) ? coin.format(n) : String(text)); };
  const pct = (v, digits) => (v >= 0 ? "+" : "") + (v * 100).toFixed(digits) + "%";
  const badge = (h) => el("span", { class: "badge " + (HEALTHS.includes(h) ? h : "unknown") }, h || "?");
  function showMsg(id, text) { const m = $(id); m.textContent = text || ""; m.hidden = !text; }
  /** Empties the label/value box `id`; returns the function that adds one label and its value to it. */
  function kvBox(id) {
    const kv = $(id);
    clear(kv);
    return (label, value) => kv.append(el("div", {}, el("span", {}, label), el("b", {}, value)));
  }

  // ---- the key: sessionStorage, or handed over in the URL fragment (#key=…, never sent to the server) ----
  let memoryKey = "";
  function storeKey(k) { memoryKey = k; try { if (k) sessionStorage.setItem(KEY_ITEM, k); else sessionStorage.removeItem(KEY_ITEM); } catch (e) { /* storage disabled: the key lives in memory */ } }
  function loadKey() {
    const m = /(?:^#|&)key=([^&]*)/.exec(location.hash);
    if (m) {
      storeKey(decodeURIComponent(m[1]));
      history.replaceState(null, "", location.pathname + location.search);
    }
    try { return sessionStorage.getItem(KEY_ITEM) || memoryKey; } catch (e) { return memoryKey; }
  }
  /** Whether a key can be offered as a WebSocket subprotocol (an HTTP token). */
  const tokenSafe = (k) => /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(k);

  const state = {
    key: "", health: "", cursors: [null], page: 0, next: null, size: 50,
    selected: null, generation: 0, feedSeen: new Set(), feed: [],
    streams: { all: null, account: null }
  };

  class HTTPError extends Error { constructor(status, message) { super(message); this.status = status; } }
  /** GET a JSON resource with the key; errors carry the server's message. */
  async function api(path) {
    const response = await fetch(path, { headers: { "Authorization": "Bearer " + state.key, "Accept": "application/json" }, cache: "no-store" });
    let body = null;
    try { body = await response.json(); } catch (e) { body = null; }
    if (!response.ok) {
      const why = body && body.message ? body.message : response.statusText;
      if (response.status === 401) showMsg("global-msg", "The key was not accepted (401): enter a valid API key.");
      throw new HTTPError(response.status, response.status + ": " + why);
    }
    return body;
  }

  /** Runs `task` at most once per `gap` ms with at most one run in flight; calls while busy coalesce into one more run. */
  function conflated(task, gap) {
    let running = false, again = false, last = 0, timer = null;
    const schedule = () => {
      if (running) { again = true; return; }
      if (timer) return;
      timer = setTimeout(run, Math.max(0, last + gap - Date.now()));
    };
    const run = async () => {
      timer = null; running = true; again = false; last = Date.now();
      try { await task(); } catch (e) { /* each task reports its own errors */ }
      running = false;
      if (again) schedule();
    };
    schedule.now = () => { clearTimeout(timer); timer = null; if (running) { again = true; } else { last = 0; schedule(); } };
    return schedule;
  }

  // ---- accounts by health ----
  async function loadAccounts() {
    const q = new URLSearchParams({ limit: String(state.size) });
    const cursor = state.cursors[state.page];
    if (cursor) q.set("cursor", cursor);
    if (state.health) q.set("health", state.health);
    let page;
    try { page = await api("/v1/accounts?" + q.toString()); } catch (e) { showMsg("accounts-msg", "accounts: " + e.message); throw e; }
    showMsg("accounts-msg", "");
    drawCounts(page.counts || {});
    const body = $("accounts-body");
    clear(body);
    for (const item of page.items || []) {
      const excess = (typeof item.equity === "number" && typeof item.initialMargin === "number") ? item.equity - item.initialMargin : null;
      const row = el("tr", { class: "pick" + (item.account === state.selected ? " selected" : ""), onclick: () => select(item.account) },
        el("td", {}, item.account), el("td", {}, badge(item.health)), el("td", {}, fmt(item.equity)), el("td", {}, fmt(item.initialMargin)),
        el("td", {}, fmt(item.maintenanceMargin)), el("td", {}, fmt(excess)));
      row.dataset.account = item.account;
      body.append(row);
    }
    state.next = page.next || null;
    $("page-prev").disabled = state.page === 0;
    $("page-next").disabled = !state.next;
    $("page-info").textContent = "page " + (state.page + 1) + (state.health ? " · " + state.health : "");
    if (!state.selected && page.items && page.items.length) {
      const worst = page.items.find((i) => i.health !== "healthy") || page.items[0];
      select(worst.account);
    }
  }
  function drawCounts(counts) {
    const box = $("counts");
    clear(box);
    let total = 0;
    for (const h of HEALTHS) total += counts[h] || 0;
    const chip = (label, n, filter) => el("button", { class: "count" + (state.health === filter ? " active" : ""), type: "button",
      onclick: () => { state.health = filter; state.cursors = [null]; state.page = 0; refreshAccounts.now(); } },
      el("b", {}, usd.format(n)), filter ? badge(label) : label);
    box.append(chip("all", total, ""));
    for (const h of HEALTHS) box.append(chip(h, counts[h] || 0, h));
  }
  const refreshAccounts = conflated(loadAccounts, 2000);
  $("page-next").addEventListener("click", () => { if (!state.next) return; state.cursors[state.page + 1] = state.next; state.page += 1; refreshAccounts.now(); });
  $("page-prev").addEventListener("click", () => { if (state.page === 0) return; state.page -= 1; refreshAccounts.now(); });
  $("page-size").addEventListener("change", (e) => { state.size = Number(e.target.value); state.cursors = [null]; state.page = 0; refreshAccounts.now(); });

  // ---- the chosen account: summary, heat maps, price-loss curves ----
  function select(account) {
    if (state.selected === account) return;
    state.selected = account;
    for (const row of $("accounts-body").children) row.classList.toggle("selected", row.dataset.account === account);
    $("account-title").textContent = "Account " + account;
    $("account-hint").hidden = true;
    clear($("underlyings")); clear($("account-kv")); clear($("liqprice-body"));
    openAccountStream(account);
    refreshMargin.now();
    refreshLiquidationPrices.now();
  }
  function summary(m) {
    const item = kvBox("account-kv");
    item("health", badge(m.health));
    item("equity (USD)", fmt(m.equity));
    item("initial margin", fmt(m.initialMargin));
    item("maintenance margin", fmt(m.maintenanceMargin));
    item("excess over IM", fmt(typeof m.excessEquity === "number" ? m.excessEquity : m.equity - m.initialMargin));
    if (m.sequence !== undefined) item("sequence", String(m.sequence));
  }
  async function loadMargin() {
    const account = state.selected;
    if (!account) return;
    let report;
    try { report = await api("/v1/accounts/" + encodeURIComponent(account) + "/margin"); }
    catch (e) { if (account === state.selected) showMsg("account-msg", "margin: " + e.message); throw e; }
    if (account !== state.selected) return;
    showMsg("account-msg", "");
    summary(report);
    drawUnderlyings(report);
  }
  const refreshMargin = conflated(loadMargin, 1000);

  /** Linear interpolation between two RGB colours. */
  const mix = (a, b, t) => "rgb(" + a.map((x, i) => Math.round(x + (b[i] - x) * t)).join(",") + ")";
  const NEUTRAL = [34, 42, 51], LOSS = [229, 72, 77], GAIN = [48, 164, 108];

  function drawUnderlyings(report) {
    const box = $("underlyings");
    clear(box);
    let cells = 0;
    const names = Object.keys(report.underlyings || {});
    if (!names.length) box.append(el("p", { class: "hint" }, "No positions: nothing to scan."));
    for (const name of names) {
      const u = report.underlyings[name];
      const ws = u.worstScenario || {};
      const block = el("div", { class: "under" },
        el("h3", {}, name + " · index " + price.format(u.index)),
        el("p", {}, "scan " + fmt(u.scan) + " · extreme " + fmt(u.extreme) + " · SOM " + fmt(u.som) + " · roll " + fmt(u.roll) +
          " · liquidation cost " + fmt(u.liquidationCost) + " · driver " + u.driver +
          (ws.kind ? " · worst: " + ws.kind + " " + pct(ws.priceMove, 1) + " / vol " + pct(ws.volShift, 0) : "")));
      const charts = el("div", { class: "charts" });
      const heat = heatMap(name, u);
      cells += heat.cells;
      charts.append(heat.node, lossCurve(name, u));
      block.append(charts);
      box.append(block);
    }
    if (cells > 0) {
      document.body.dataset.heatmap = String(cells);
      $("heatmap-ready").dataset.cells = String(cells);
      $("heatmap-ready").dataset.account = report.account || "";
    }
  }

  /** The risk array as a heat map: columns the price moves, rows the (vol shift, time shift) pairs. */
  function heatMap(name, u) {
    const moves = u.priceMoves || [], vols = u.volShifts || [], times = u.timeShiftsDays || [], ra = u.riskArray || [];
    const cw = 20, ch = 20, left = 92, right = 24, top = 6, bottom = 34;
    const rows = vols.length * times.length;
    const width = left + moves.length * cw + right, height = top + rows * ch + bottom;
    const root = svg("svg", { width, height, viewBox: "0 0 " + width + " " + height, role: "img", "data-underlying": name });
    root.append(svg("title", {}, name + " risk array: account P&L (USD) by price move and vol/time shift"));
    let worst = 1e-9, best = 1e-9;
    for (const a of ra) for (const b of a) for (const v of b) { if (v < 0) worst = Math.max(worst, -v); else best = Math.max(best, v); }
    let cells = 0;
    vols.forEach((vol, j) => times.forEach((t, l) => {
      const r = j * times.length + l, y = top + r * ch;
      root.append(svg("text", { x: left - 6, y: y + ch * 0.68, "text-anchor": "end" }, "vol " + pct(vol, 0) + " · " + (+t.toFixed(2)) + "d"));
      moves.forEach((m, i) => {
        const v = ra[i] && ra[i][j] ? ra[i][j][l] : undefined;
        if (typeof v !== "number") return;
        const fill = v < 0 ? mix(NEUTRAL, LOSS, Math.min(1, -v / worst)) : mix(NEUTRAL, GAIN, Math.min(1, v / best));
        const cell = svg("rect", { x: left + i * cw, y, width: cw - 1, height: ch - 1, fill });
        cell.append(svg("title", {}, "move " + pct(m, 1) + ", vol " + pct(vol, 0) + ", " + t + "d: P&L " + fmt(v) + " USD"));
        root.append(cell);
        cells += 1;
      });
    }));
    moves.forEach((m, i) => {
      if (i % 5 === 0 || i === moves.length - 1) root.append(svg("text", { x: left + i * cw + cw / 2, y: top + rows * ch + 14, "text-anchor": "middle" }, pct(m, 1)));
    });
    root.append(svg("text", { x: left, y: height - 4 }, "loss up to " + fmt(worst) + " · gain up to " + fmt(best) + " USD"));
    return { node: root, cells };
  }

  /** The price-loss curve: for each price move, the largest loss over the vol and time shifts. */
  function lossCurve(name, u) {
    const moves = u.priceMoves || [], loss = u.priceLossCurve || [];
    const width = 300, height = 160, left = 56, right = 8, top = 10, bottom = 24;
    const root = svg("svg", { width, height, viewBox: "0 0 " + width + " " + height, role: "img" });
    root.append(svg("title", {}, name + " price-loss curve (USD loss by price move)"));
    if (!moves.length || moves.length !== loss.length) return root;
    const lo = Math.min(0, ...loss), hi = Math.max(0, ...loss), span = (hi - lo) || 1;
    const x0 = moves[0], x1 = moves[moves.length - 1], xs = (x1 - x0) || 1;
    const X = (m) => left + (m - x0) / xs * (width - left - right);
    const Y = (v) => top + (hi - v) / span * (height - top - bottom);
    root.append(svg("line", { x1: left, x2: width - right, y1: Y(0), y2: Y(0), stroke: "#3a4658" }));
    root.append(svg("line", { x1: X(0), x2: X(0), y1: top, y2: height - bottom, stroke: "#3a4658", "stroke-dasharray": "3 3" }));
    root.append(svg("polyline", { points: moves.map((m, i) => X(m).toFixed(1) + "," + Y(loss[i]).toFixed(1)).join(" "),
      fill: "none", stroke: "#e5484d", "stroke-width": 2 }));
    moves.forEach((m, i) => {
      const dot = svg("circle", { cx: X(m), cy: Y(loss[i]), r: 2.5, fill: loss[i] > 0 ? "#e5484d" : "#30a46c" });
      dot.append(svg("title", {}, "move " + pct(m, 1) + ": loss " + fmt(loss[i]) + " USD"));
      root.append(dot);
    });
    root.append(svg("text", { x: left - 4, y: Y(hi) + 4, "text-anchor": "end" }, fmt(hi)));
    root.append(svg("text", { x: left - 4, y: Y(lo) + 4, "text-anchor": "end" }, fmt(lo)));
    root.append(svg("text", { x: left, y: height - 8 }, pct(x0, 0)));
    root.append(svg("text", { x: width - right, y: height - 8, "text-anchor": "end" }, pct(x1, 0)));
    root.append(svg("text", { x: X(0), y: height - 8, "text-anchor": "middle" }, "loss by price move"));
    return root;
  }

  // ---- liquidation prices ----
  async function loadLiquidationPrices() {
    const account = state.selected;
    if (!account) return;
    let lp;
    try { lp = await api("/v1/accounts/" + encodeURIComponent(account) + "/liquidation-price"); }
    catch (e) { if (account === state.selected) showMsg("liqprice-msg", "liquidation prices: " + e.message); throw e; }
    if (account !== state.selected) return;
    showMsg("liqprice-msg", "");
    $("liqprice-note").textContent = "Account " + account + (lp.belowMaintenanceMargin
      ? ": already below maintenance margin; the levels are where it would be back at MM."
      : ": each level moves one underlying's index, everything else unchanged.");
    const body = $("liqprice-body");
    clear(body);
    for (const [name, l] of Object.entries(lp.underlyings || {})) {
      const side = (level) => typeof level === "number" ? [price.format(level), pct(level / l.index - 1, 2)] : ["none in range", ""];
      body.append(el("tr", {}, el("td", {}, name), el("td", {}, price.format(l.index)),
        ...side(l.below).map((t) => el("td", {}, t)), ...side(l.above).map((t) => el("td", {}, t))));
    }
  }
  const refreshLiquidationPrices = conflated(loadLiquidationPrices, 5000);

  // ---- insurance fund ----
  async function loadFund() {
    let f;
    try { f = await api("/v1/insurance-fund"); } catch (e) { showMsg("fund-msg", "insurance fund: " + e.message); throw e; }
    showMsg("fund-msg", "");
    const item = kvBox("fund-kv");
    item("account", f.account);
    item("equity (USD)", f.margin && typeof f.margin.equity === "number" ? fmt(f.margin.equity) : (f.exists ? "—" : "not funded"));
    item("positions", String(f.positions));
    item("liquidations in progress", String(f.liquidationsInProgress));
    item("liquidation", f.halted ? "halted: " + f.halted : "running");
    const body = $("fund-body");
    clear(body);
    for (const [c, amount] of Object.entries(f.balances || {})) body.append(el("tr", {}, el("td", {}, c), el("td", {}, balance(amount))));
    return f;
  }
  const refreshFund = conflated(loadFund, 2000);

  // ---- the commitment over every account (its signed root and totals) ----
  const COLUMNS = [["equityCredit", "equity credit"], ["equityDebit", "equity debit"],
    ["maintenanceMargin", "maintenance margin"], ["initialMargin", "initial margin"]];
  const COMMITMENT_POLL = 15000;
  /** A decimal string of 1e-6 USD as USD with cents, exactly (BigInt: totals may exceed 2^53). */
  function microUSD(text) {
    if (text === undefined || text === null) return "—";
    if (!/^[0-9]+$/.test(String(text))) return String(text);
    const micro = BigInt(text), cents = (micro + 5000n) / 10000n;
    return usd.format(cents / 100n) + "." + String(cents % 100n).padStart(2, "0");
  }
  async function loadCommitment() {
    let c;
    try { c = await api("/v1/commitment"); } catch (e) { showMsg("commitment-msg", "commitment: " + e.message); throw e; }
    showMsg("commitment-msg", "");
    const item = kvBox("commitment-kv");
    const root = String(c.root || "");
    const rootNode = el("code", { class: "root", title: root + " (click to copy)", tabindex: "0" },
      root.length > 20 ? root.slice(0, 10) + "…" + root.slice(-8) : root);
    rootNode.addEventListener("click", () => {
      if (navigator.clipboard) navigator.clipboard.writeText(root).then(() => { rootNode.dataset.copied = "1"; }, () => {});
    });
    item("root", rootNode);
    item("accounts", usd.format(c.accounts));
    item("sequence", String(c.sequence));
    item("valuation time", String(c.valuationTime));
    item("venue · key", String(c.venue) + " · " + String(c.signature && c.signature.kid || "").slice(0, 8));
    const body = $("commitment-body");
    clear(body);
    for (const [name, label] of COLUMNS) body.append(el("tr", {}, el("td", {}, label), el("td", {}, microUSD((c.totals || {})[name]))));
  }
  const refreshCommitment = conflated(loadCommitment, COMMITMENT_POLL);
  setInterval(() => { if (state.key) refreshCommitment(); }, COMMITMENT_POLL);

  // ---- liquidation feed ----
  function details(fields) {
    const parts = [];
    for (const [k, v] of Object.entries(fields)) {
      if (k === "type" || k === "sequence" || k === "account") continue;
      if (v === null || typeof v === "object") { if (Array.isArray(v)) parts.push(k + ": " + v.length); continue; }
      parts.push(k + "=" + String(v));
    }
    const text = parts.join(" · ");
    return text.length > 180 ? text.slice(0, 177) + "…" : text;
  }
  function addFeed(sequence, kind, accounts, fields, live) {
    const key = String(sequence) + ":" + kind;
    if (state.feedSeen.has(key)) return;
    state.feedSeen.add(key);
    state.feed.push({ sequence, kind, accounts, fields });
    state.feed.sort((a, b) => b.sequence - a.sequence);
    while (state.feed.length > FEED_MAX) { const gone = state.feed.pop(); state.feedSeen.delete(String(gone.sequence) + ":" + gone.kind); }
    if (live) drawFeed();
  }
  function drawFeed() {
    const body = $("feed-body");
    clear(body);
    for (const f of state.feed) {
      const who = el("td", {});
      f.accounts.slice(0, 3).forEach((a, i) => {
        if (i) who.append(", ");
        who.append(el("a", { href: "#", onclick: (e) => { e.preventDefault(); select(a); } }, a));
      });
      if (f.accounts.length > 3) who.append(" +" + (f.accounts.length - 3));
      body.append(el("tr", {}, el("td", {}, String(f.sequence)), el("td", {}, f.kind), who, el("td", {}, details(f.fields))));
    }
    $("feed-empty").hidden = state.feed.length > 0;
  }
  async function loadFeed(endSequence) {
    let cursor = Math.max(0, (endSequence || 0) - 200000), pages = 0;
    try {
      for (;;) {
        const page = await api("/v1/liquidations?limit=1000&cursor=" + cursor);
        for (const item of page.items || []) addFeed(item.sequence, item.type, item.account ? [item.account] : [], item, false);
        pages += 1;
        if (!page.next || pages >= 20) break;
        cursor = page.next;
      }
      showMsg("feed-msg", "");
    } catch (e) { showMsg("feed-msg", "liquidations: " + e.message); }
    drawFeed();
  }

  // ---- streams ----
  function streamURL(account) {
    const u = new URL("/v1/stream", location.href);
    u.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    if (account) u.searchParams.set("account", account);
    return u.href;
  }
  /** A WebSocket subscription that reconnects with backoff; refusals other than 429/503 are final. */
  function openStream(account, statusId, label, onMessage) {
    let ws = null, stopped = false, timer = null, backoff = 1000, refused = null;
    const status = (text, cls) => { const s = $(statusId); s.textContent = label + ": " + text; s.className = "status " + (cls || ""); };
    const connect = () => {
      refused = null;
      if (!tokenSafe(state.key)) { status("this key cannot be sent over a WebSocket", "err"); return; }
      try { ws = new WebSocket(streamURL(account), ["margin.v1", "bearer." + state.key]); }
      catch (e) { status("cannot connect: " + e.message, "err"); return; }
      status("connecting…");
      ws.onmessage = (ev) => {
        let m;
        try { m = JSON.parse(ev.data); } catch (e) { return; }
        if (m.type === "error") { refused = m; status("refused " + m.status + ": " + (m.message || m.error), "err"); ws.close(); return; }
        if (m.type === "subscribed") { backoff = 1000; status("live", "live"); }
        if (m.type === "notice") status("notice: " + m.reason, "err");
        onMessage(m);
      };
      ws.onclose = (ev) => {
        if (stopped) return;
        const code = refused ? 4000 + refused.status : ev.code;
        if (code >= 4000 && code !== 4429 && code !== 4503) { if (!refused) status("closed " + code, "err"); return; }
        if (!refused) status("reconnecting…", "err");
        timer = setTimeout(connect, backoff);
        backoff = Math.min(backoff * 2, 15000);
      };
    };
    connect();
    return { close() { stopped = true; clearTimeout(timer); if (ws) { ws.onclose = null; ws.close(); } } };
  }
  function onAll(m) {
    if (m.type === "health") {
      refreshAccounts();
      if (m.account === state.selected) { refreshMargin(); refreshLiquidationPrices(); }
    } else if (m.type === "liquidation") {
      onLiquidation(m);
    }
  }
  function onLiquidation(m) {
    addFeed(m.sequence, m.kind, m.accounts || [], m.event || {}, true);
    refreshFund();
    if ((m.accounts || []).includes(state.selected)) { refreshMargin(); refreshLiquidationPrices(); }
  }
  function openAccountStream(account) {
    if (state.streams.account) state.streams.account.close();
    state.streams.account = openStream(account, "status-account", "account " + account, (m) => {
      if (account !== state.selected) return;
      if (m.type === "margin" || m.type === "health") {
        summary(m.type === "margin" ? m : { health: m.to, equity: m.equity, initialMargin: m.initialMargin, maintenanceMargin: m.maintenanceMargin });
        refreshMargin();
        refreshLiquidationPrices();
      } else if (m.type === "liquidation") {
        onLiquidation(m);
      }
    });
  }

  // ---- start, key changes ----
  function stopAll() {
    for (const k of ["all", "account"]) { if (state.streams[k]) state.streams[k].close(); state.streams[k] = null; }
  }
  async function start() {
    stopAll();
    showMsg("global-msg", "");
    state.selected = null; state.cursors = [null]; state.page = 0; state.feed = []; state.feedSeen = new Set();
    if (!state.key) { showMsg("global-msg", "Enter an API key (admin or viewer; an owner key shows its own account) to load the dashboard."); return; }
    state.streams.all = openStream(null, "status-all", "all accounts", onAll);
    refreshAccounts.now();
    refreshCommitment.now();
    let fund = null;
    try { fund = await loadFund(); } catch (e) { fund = null; }
    await loadFeed(fund ? fund.sequence : 0);
  }
  $("key-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const k = $("key-input").value.trim();
    $("key-input").value = "";
    if (!k) return;
    state.key = k; storeKey(k); start();
  });
  $("key-forget").addEventListener("click", () => {
    storeKey(""); state.key = ""; stopAll();
    for (const id of ["accounts-body", "counts", "account-kv", "underlyings", "liqprice-body", "feed-body", "fund-kv", "fund-body", "commitment-kv", "commitment-body"]) clear($(id));
    showMsg("global-msg", "Key forgotten.");
  });
  state.key = loadKey();
  start();
})();
