import { hash32, Rng } from '../world/random.util';

/** A deterministic 5x5 identicon, so avatars work offline (avatar_url points here). */
export function identiconSvg(id: number): string {
  const rng = new Rng(hash32(id, 4242));
  const hue = Math.floor(rng.next() * 360);
  const fg = `hsl(${hue} 55% 50%)`;
  let cells = '';
  for (let y = 0; y < 5; y++) {
    for (let x = 0; x < 3; x++) {
      if (rng.next() < 0.5) continue;
      cells += `<rect x="${x + 1}" y="${y + 1}" width="1" height="1"/>`;
      if (x < 2) cells += `<rect x="${5 - x}" y="${y + 1}" width="1" height="1"/>`;
    }
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 7 7" width="420" height="420" shape-rendering="crispEdges"><rect width="7" height="7" fill="#f0f0f0"/><g fill="${fg}">${cells}</g></svg>`;
}
