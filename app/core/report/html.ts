/**
 * A self-contained, printable HTML report of one check: no scripts, no external resources (its
 * own Content-Security-Policy says so), every value HTML-escaped (server text is hostile), and
 * control and bidi characters made visible. Pure.
 */
import type { DomainFindingView, DomainView } from '../explain/domain-view';
import { escapeText } from '../net/escape';
import type { CheckView, EndpointView } from './view';

/** HTML-escapes after neutralising control and bidi characters (net/escape.ts). */
export function html(text: string): string {
  return escapeText(text, 4000).text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:48rem;color:#1b1b1b;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-top:1px solid #ccc;padding-top:1rem}
.verdict{font-weight:600}.finding{margin:1rem 0;padding:.5rem .75rem;border-left:4px solid #888}
.critical{border-color:#b00020}.warning{border-color:#a15c00}.info{border-color:#1a5fb4}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}
code{font-family:ui-monospace,monospace;font-size:.85em;word-break:break-all}
table{border-collapse:collapse;width:100%;font-size:.9em}th,td{text-align:left;vertical-align:top;padding:.25rem .5rem;border-bottom:1px solid #ccc;overflow-wrap:anywhere}
@media print{body{margin:0}h2{break-before:auto}}
`;

function endpointSection(e: EndpointView): string {
  const findings = e.findings
    .map(
      (f) => `<div class="finding ${f.severity}">
<p><strong>${html(f.title)}</strong> (${f.severity})${f.address ? ` on ${html(f.address)} only` : ''}</p>
<p>${html(f.meaning)}</p><p>Risk: ${html(f.risk)}</p><p>What to do: ${html(f.action)}</p>
<p>Who can fix it: ${html(f.whoCanFix)}. Help-desk term: ${html(f.technicalTerm)}.</p></div>`,
    )
    .join('\n');
  const cert = e.certificate
    ? `<h3>Certificate</h3><dl>
<dt>Valid for</dt><dd>${html(e.certificate.validFor.join(', ') || '(no names)')}</dd>
<dt>Checked against</dt><dd>${html(e.certificate.referenceName)} (${e.certificate.nameMatches ? 'matches' : 'does not match'})</dd>
${e.certificate.path
  .map(
    (c, i) =>
      `<dt>${i === 0 ? 'Server' : `Link ${i + 1}`}</dt><dd>${html(c.subject)}<br>issued by ${html(c.issuer)}<br>${html(c.notBefore)} to ${html(c.notAfter)}, ${html(c.key)}, ${html(c.signature)}<br>SHA-256 <code>${html(c.sha256)}</code>${c.problems.length ? `<br><strong>${html(c.problems.join('; '))}</strong>` : ''}</dd>`,
  )
  .join('\n')}
${e.certificate.broken ? `<dt>Broken link</dt><dd>${html(e.certificate.broken)}</dd>` : ''}
</dl>`
    : '';
  const details = [
    ...(e.connection ? [['Connection', e.connection] as const] : []),
    ...e.scan.map((s) => [s.label, s.value] as const),
  ]
    .map(([k, v]) => `<dt>${html(k)}</dt><dd>${html(v)}</dd>`)
    .join('');
  const changes = e.changes.length
    ? `<div class="finding critical"><p><strong>Changed since the last check</strong></p>${e.changes.map((c) => `<p>${html(c)}</p>`).join('')}</div>`
    : '';
  return `<section><h2>${html(e.title)}</h2>
<p class="verdict">${html(e.verdict.headline)}.</p><p>${html(e.verdict.sentence)}</p>
${changes}${findings}${details ? `<h3>Details</h3><dl>${details}</dl>` : ''}${cert}${contacted(e.contacted)}</section>`;
}

function contacted(lines: readonly string[]): string {
  if (lines.length === 0) return '';
  return `<h3>What Sealcheck contacted</h3><ul>${lines.map((l) => `<li>${html(l)}</li>`).join('')}</ul>`;
}

function domainFinding(f: DomainFindingView): string {
  return `<div class="finding ${f.severity}">
<p><strong>${html(f.title)}</strong> (${f.severity})${f.host !== null ? ` on ${html(f.host)}` : ''}</p>
<p>${html(f.meaning)}</p><p>Risk: ${html(f.risk)}</p><p>What to do: ${html(f.action)}</p>
<p>Who can fix it: ${html(f.whoCanFixText)}. Help-desk term: ${html(f.technicalTerm)}.</p></div>`;
}

/** Mail sent to the account's domain: the domain check (explain/domain-view.ts), escaped. */
function domainSection(d: DomainView): string {
  const hosts = d.hosts
    .map(
      (h) =>
        `<tr><td>${h.preference}</td><td>${html(h.host)}</td><td>${html(h.addresses.join(', ') || 'none')}</td><td>${html(h.transport)}</td><td>${html(h.dane)}</td><td>${html(h.policy ?? 'no policy')}</td></tr>`,
    )
    .join('\n');
  const details = d.details.map((x) => `<dt>${html(x.label)}</dt><dd>${html(x.value)}</dd>`);
  return `<section><h2>Mail sent to ${html(d.domain)}</h2>
<p class="verdict">${html(d.headline)}.</p><p>${html(d.sentence)}</p>
${d.attention.map(domainFinding).join('\n')}
${d.info.length ? `<h3>Worth knowing</h3>${d.info.map(domainFinding).join('\n')}` : ''}
<h3>Mail servers</h3>
${hosts ? `<table><thead><tr><th>Preference</th><th>Server</th><th>Addresses</th><th>Transport</th><th>DANE</th><th>MTA-STS</th></tr></thead><tbody>\n${hosts}\n</tbody></table>` : '<p>None checked.</p>'}
<h3>Details</h3><dl>${details.join('')}<dt>Checked</dt><dd>${html(d.checkedAt)} in ${d.durationMs} ms</dd></dl></section>`;
}

/** The report; with the domain check of the account's domain when one was run. */
export function checkReportHtml(
  view: CheckView,
  version: string,
  domain: DomainView | null = null,
): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sealcheck report: ${html(view.title)}</title><style>${STYLE}</style></head>
<body><h1>Sealcheck report: ${html(view.title)}</h1>
<p>Checked ${html(view.checkedAt)} with Sealcheck ${html(version)}.</p>
<p class="verdict">${html(view.verdict.headline)}.</p>
${view.endpoints.map(endpointSection).join('\n')}
${domain ? domainSection(domain) : ''}
</body></html>
`;
}
