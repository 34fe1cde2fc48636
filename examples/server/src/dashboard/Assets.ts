/**
 * The dashboard's static files, all served from this server (no CDN, no web fonts): its style
 * sheet, the script that draws the charts, and uPlot from its npm package.
 */
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"

const css = `
:root { color-scheme: light; --ink: #1b1f24; --muted: #4d5560; --line: #d4d9df; --accent: #0b57d0; --bg: #f6f7f9; --ok: #116329; --warn: #8a4b00; --bad: #a4161a; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, [tabindex]:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: .5rem 1rem; }
.skip:focus { left: 0; z-index: 10; }
header { display: flex; align-items: center; justify-content: space-between; gap: 1rem; padding: .75rem 1rem; background: #fff; border-bottom: 1px solid var(--line); }
.brand { font-weight: 700; font-size: 1.1rem; }
.mode { font-size: .8rem; font-weight: 600; padding: .1rem .5rem; border-radius: 1rem; margin-left: .5rem; }
.mode-test { background: #fff4d6; color: var(--warn); }
.mode-live { background: #dff5e3; color: var(--ok); }
nav { background: #fff; border-bottom: 1px solid var(--line); }
nav ul { list-style: none; margin: 0; padding: .25rem .5rem; display: flex; flex-wrap: wrap; gap: .25rem; }
nav a { display: inline-block; padding: .4rem .6rem; border-radius: .4rem; text-decoration: none; }
nav a[aria-current="page"] { background: #e4ecfb; font-weight: 600; }
main { padding: 1rem; max-width: 1200px; margin: 0 auto; }
main:focus { outline: none; }
h1 { font-size: 1.5rem; margin: .25rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
form.search, form.filters, form.advance { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem; margin: 0 0 1rem; }
input, select, button { font: inherit; padding: .4rem .6rem; border: 1px solid #8b949e; border-radius: .4rem; background: #fff; color: var(--ink); }
input[type=search] { flex: 1 1 12rem; min-width: 0; }
button { background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; }
.sign-out button { background: #fff; color: var(--accent); }
.table { overflow-x: auto; background: #fff; border: 1px solid var(--line); border-radius: .5rem; margin-bottom: .75rem; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
caption { text-align: left; padding: .5rem .75rem; font-weight: 600; }
th, td { text-align: left; padding: .45rem .75rem; border-top: 1px solid var(--line); white-space: nowrap; }
th { background: #f0f2f5; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85em; }
.status { display: inline-block; padding: 0 .45rem; border-radius: .8rem; background: #eceff3; font-size: .85rem; }
.status-active, .status-paid, .status-succeeded, .status-enabled, .status-delivered { background: #dff5e3; color: var(--ok); }
.status-past_due, .status-open, .status-trialing, .status-pending, .status-requires_action { background: #fff4d6; color: var(--warn); }
.status-canceled, .status-failed, .status-unpaid, .status-void, .status-uncollectible, .status-disabled { background: #fde2e1; color: var(--bad); }
.facts { display: grid; grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); gap: .5rem 1rem; background: #fff; border: 1px solid var(--line); border-radius: .5rem; padding: .75rem; margin: 0; }
.facts dt { color: var(--muted); font-size: .85rem; }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.hint, .empty { color: var(--muted); }
.notice { background: #fde2e1; color: var(--bad); padding: .5rem .75rem; border-radius: .4rem; }
.result { background: #fff; border: 1px solid var(--line); border-radius: .5rem; padding: .25rem .75rem .75rem; margin-top: 1rem; }
.chart { margin: 0 0 1.5rem; background: #fff; border: 1px solid var(--line); border-radius: .5rem; padding: .75rem; }
.chart figcaption { font-weight: 600; margin-bottom: .5rem; }
.chart-canvas { width: 100%; min-height: 0; margin-bottom: .75rem; }
.sign-in { max-width: 28rem; margin: 3rem auto; background: #fff; border: 1px solid var(--line); border-radius: .5rem; padding: 1.25rem; }
.sign-in form { display: grid; gap: .5rem; }
.sign-in h1 { margin-top: 0; }
`

const script = `
(function () {
  var island = document.getElementById("mrr-data");
  if (!island || typeof uPlot === "undefined") return;
  var series = JSON.parse(island.textContent || "[]");
  var digits = function (currency) {
    try { return new Intl.NumberFormat("en", { style: "currency", currency: currency }).resolvedOptions().maximumFractionDigits; } catch (e) { return 2; }
  };
  series.forEach(function (s) {
    var target = document.querySelector('[data-mrr-currency="' + s.currency + '"]');
    if (!target) return;
    var scale = Math.pow(10, digits(s.currency));
    var format = new Intl.NumberFormat("en", { style: "currency", currency: s.currency });
    var xs = s.points.map(function (p) { return Date.parse(p.at) / 1000; });
    // Chart only: the table beside it shows the exact amounts.
    var ys = s.points.map(function (p) { return p.amount / scale; });
    var width = function () { return Math.max(280, target.clientWidth); };
    var plot = new uPlot({
      width: width(), height: 240, tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"); },
      legend: { show: false },
      axes: [{}, { size: 80, values: function (u, vals) { return vals.map(function (v) { return format.format(v); }); } }],
      series: [{}, { label: "MRR " + s.currency, stroke: "#0b57d0", width: 2, fill: "rgba(11,87,208,0.08)", points: { show: true } }]
    }, [xs, ys], target);
    window.addEventListener("resize", function () { plot.setSize({ width: width(), height: 240 }); });
  });
})();
`

const require = createRequire(import.meta.url)
const fromUplot = (file: string) => () => readFileSync(require.resolve(`uplot/dist/${file}`), "utf8")

const once = (read: () => string) => {
  let text: string | undefined
  return () => (text ??= read())
}

export const assets: Record<string, { readonly type: string; readonly body: () => string }> = {
  "dashboard.css": { type: "text/css; charset=utf-8", body: () => css },
  "dashboard.js": { type: "text/javascript; charset=utf-8", body: () => script },
  "uPlot.iife.min.js": { type: "text/javascript; charset=utf-8", body: once(fromUplot("uPlot.iife.min.js")) },
  "uPlot.min.css": { type: "text/css; charset=utf-8", body: once(fromUplot("uPlot.min.css")) }
}
