// htm bound to preact's h: tagged templates instead of JSX, so the console's sources run
// through esbuild without a JSX step and read as plain JavaScript.
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);
