// Python's difflib similarity (Ratcliff/Obershelp), which az uses for its "did you mean" suggestions.
// Shared by the emulator's flags and the acs-identity CLI (which imports it as ../emulator/difflib.mjs
// from the package's cli/ folder).

function matchingChars(a, b) {
  if (!a.length || !b.length) return 0;
  let best = 0;
  let ai = 0;
  let bi = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b.length; j++) {
      let k = 0;
      while (i + k < a.length && j + k < b.length && a[i + k] === b[j + k]) k++;
      if (k > best) {
        best = k;
        ai = i;
        bi = j;
      }
    }
  }
  if (best === 0) return 0;
  return best + matchingChars(a.slice(0, ai), b.slice(0, bi)) + matchingChars(a.slice(ai + best), b.slice(bi + best));
}

/** difflib.SequenceMatcher(None, a, b).ratio() (without the junk heuristic of long strings). */
export function similarity(a, b) {
  const total = a.length + b.length;
  return total === 0 ? 1 : (2 * matchingChars(a, b)) / total;
}

/** The closest candidates (best first), as difflib.get_close_matches(word, candidates, n, cutoff). */
export function closeMatches(word, candidates, { n = 3, cutoff = 0.7 } = {}) {
  return candidates
    .map((c) => ({ c, r: similarity(word, c) }))
    .filter((x) => x.r >= cutoff)
    .sort((x, y) => y.r - x.r)
    .slice(0, n)
    .map((x) => x.c);
}
