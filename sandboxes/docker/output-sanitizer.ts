/* eslint-disable no-control-regex -- matching control characters is the point */
// Output from a sandbox is the attacker's: terminal control sequences and stray control
// characters are removed before any of it reaches a log, a terminal or a model.

// CSI, OSC (ended by BEL or ST), and other two-byte ESC sequences.
const escapeSequence =
  /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_])/g;
// C0 controls except tab and newline, DEL, and C1 controls.
const controlCharacter = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Removes ANSI escape sequences and control characters; keeps newlines and tabs. */
export function sanitizeText(text: string): string {
  return text.replace(escapeSequence, '').replace(/\r\n/g, '\n').replace(controlCharacter, '');
}
