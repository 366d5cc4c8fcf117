/** The landing page's own stylesheet: it is self-contained, no portal assets needed. */
export const STYLE = `
:root{color-scheme:light dark;--fg:#1d2330;--muted:#5d6675;--accent:#1f5fbf;--bg:#fff;--card:#f5f7fa;--line:#dde2ea}
@media (prefers-color-scheme:dark){:root{--fg:#e6e9ef;--muted:#9aa3b2;--accent:#7fb0ff;--bg:#12161d;--card:#1b212b;--line:#2b3340}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:60rem;margin:0 auto;padding:2rem 1.25rem 3rem}a{color:var(--accent)}
header h1{font-size:1.9rem;line-height:1.25;margin:.2rem 0 .6rem}.facility{margin:0;color:var(--muted);text-transform:uppercase;letter-spacing:.06em;font-size:.8rem}
.doi{margin:0 0 1.5rem}.badge{display:inline-block;margin-left:.5rem;padding:.1rem .55rem;border-radius:1rem;font-size:.8rem;font-weight:600}
.badge.open{background:#d9f2e3;color:#14562f}.badge.embargo{background:#fde9cf;color:#6b3b00}
section{margin:1.6rem 0}h2{font-size:1.15rem;border-bottom:1px solid var(--line);padding-bottom:.3rem}h3{font-size:.85rem;margin:.8rem 0 .2rem;color:var(--muted);text-transform:uppercase;letter-spacing:.05em}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1.2rem;background:var(--card);padding:1rem 1.2rem;border-radius:.6rem;margin:0}dt{color:var(--muted)}dd{margin:0}
.people{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.5rem}.people li{background:var(--card);border-radius:.5rem;padding:.35rem .7rem}
.orcid{font-size:.8rem;margin-left:.3rem}.aff,.muted{color:var(--muted);font-size:.9rem}
.citation{background:var(--card);border-left:3px solid var(--accent);padding:.6rem .9rem;margin:.2rem 0;border-radius:0 .4rem .4rem 0}
table{width:100%;border-collapse:collapse;font-size:.95rem}th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
.files{margin:.3rem 0 0;padding-left:1.1rem;font-size:.9rem}code{font-size:.85rem;word-break:break-all}.summary{white-space:pre-wrap}
footer{margin-top:2.5rem;color:var(--muted);font-size:.85rem}
`;
