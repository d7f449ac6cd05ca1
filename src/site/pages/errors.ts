// Owns the site's error pages: 404 (unknown path, week or member, malformed id), 405 and 503.
// Static text, no member data.

import { html } from '../render/html.js';
import { layout } from './layout.js';

export function notFoundHtml(): string {
  return layout('Not found', html`<h1>Not found</h1>
<p>There is no page here: the week has no launches, the member has none shown here, or the address is mistyped.</p>
<p><a href="/">Back to the launch log</a></p>`);
}

export function unavailableHtml(): string {
  return layout('Temporarily unavailable', html`<h1>Temporarily unavailable</h1>
<p>The launch log cannot be read just now. Please try again in a minute.</p>`);
}

export function methodNotAllowedHtml(): string {
  return layout('Method not allowed', html`<h1>Method not allowed</h1><p>This page answers GET and HEAD only.</p>`);
}
