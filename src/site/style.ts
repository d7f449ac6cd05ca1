// Owns the site's one stylesheet, served at /site.css (the Content-Security-Policy allows styles
// from 'self' only, so no page has a <style> element or a style attribute). Responsive down to a
// 390 px viewport; dark when the reader's system is (prefers-color-scheme, MDN). Does not know pages.

export const STYLESHEET_PATH = '/site.css';
/** The icon every page names (so browsers do not ask for /favicon.ico): a rocket on a disc, img-src 'self'. */
export const ICON_PATH = '/favicon.svg';
export const ICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><circle cx="32" cy="32" r="30" fill="#b4400a"/><path d="M32 10c8 7 11 17 9 28l5 8h-8l-2 5h-8l-2-5h-8l5-8c-2-11 1-21 9-28z" fill="#fff"/><circle cx="32" cy="28" r="5" fill="#b4400a"/></svg>\n';

export const STYLESHEET = `:root{color-scheme:light dark;--bg:#fbfaf8;--fg:#1d1d1f;--muted:#5f6368;--line:#e3e1dc;--card:#fff;--accent:#b4400a;--bar:#d9622b;--cell0:#ebe9e4;--cell1:#f4b08a;--cell2:#e5793f;--cell3:#b4400a}
@media (prefers-color-scheme:dark){:root{--bg:#141416;--fg:#ececef;--muted:#a1a1aa;--line:#2e2e33;--card:#1c1c20;--accent:#ff9a5c;--bar:#ff8a4c;--cell0:#26262b;--cell1:#6b3418;--cell2:#b25120;--cell3:#ff8a4c}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;overflow-wrap:anywhere;word-break:normal}
header.site,main,footer.site{max-width:46rem;margin:0 auto;padding:0 1rem}
header.site{padding-top:1rem;padding-bottom:.5rem;display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:baseline;border-bottom:1px solid var(--line)}
header.site .brand{font-weight:700;font-size:1.15rem;color:var(--fg);text-decoration:none}
header.site nav{display:flex;gap:1rem;font-size:.95rem}
footer.site{color:var(--muted);font-size:.85rem;padding-top:1.5rem;padding-bottom:2rem}
a{color:var(--accent)}
h1{font-size:1.6rem;line-height:1.25;margin:1.25rem 0 .5rem}
h2{font-size:1.2rem;margin:1.75rem 0 .5rem}
p{margin:.5rem 0}
.muted{color:var(--muted)}
.numbers{color:var(--muted);margin:.25rem 0 1rem}
.theme{font-style:italic}
ul.launches{list-style:none;margin:0;padding:0}
ul.launches li{background:var(--card);border:1px solid var(--line);border-radius:.5rem;padding:.6rem .8rem;margin:.5rem 0;min-width:0}
ul.launches .who{font-weight:600}
ul.launches .when{color:var(--muted);font-size:.85rem;white-space:nowrap}
ul.launches .text{display:block;white-space:pre-line;overflow-wrap:anywhere;word-break:break-word}
ul.weeks{list-style:none;margin:0;padding:0}
ul.weeks li{display:flex;flex-wrap:wrap;justify-content:space-between;gap:.5rem;border-bottom:1px solid var(--line);padding:.4rem 0}
figure.chart{margin:1rem 0;max-width:100%}
figure.chart svg{display:block;width:100%;height:auto;max-width:100%}
figure.chart figcaption{color:var(--muted);font-size:.85rem}
.chart .bar{fill:var(--bar)}
.chart .axis{stroke:var(--line)}
.chart text{fill:var(--muted);font-size:13px}
.strip .c0{fill:var(--cell0)}.strip .c1{fill:var(--cell1)}.strip .c2{fill:var(--cell2)}.strip .c3{fill:var(--cell3)}
table.data{border-collapse:collapse;font-size:.85rem;margin:.5rem 0;width:100%}
table.data th,table.data td{border-bottom:1px solid var(--line);padding:.2rem .4rem;text-align:left}
details{margin:.5rem 0}
summary{cursor:pointer;color:var(--muted)}
.stats{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;margin:.5rem 0 1rem}
.stats div{min-width:6rem}
.stats strong{display:block;font-size:1.4rem}
`;
