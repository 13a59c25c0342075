// A small live chart: responses per second over the last minute, as an SVG line.

const SIZE = 60;
const W = 300;
const H = 80;

export class Chart {
  constructor(svg, caption) {
    this.svg = svg;
    this.caption = caption;
    this.points = new Array(SIZE).fill(0);
    this.last = null;
    this.line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
    this.line.setAttribute("class", "chart-line");
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    svg.append(this.line);
  }

  reset() {
    this.points = new Array(SIZE).fill(0);
    this.last = null;
    this.draw();
  }

  // One statistics event: plots the responses counted since the previous one, per second.
  add(total, at) {
    // Events also follow each capture record; a point is taken at most once a second.
    if (this.last && at - this.last.at < 0.9) return;
    if (this.last) {
      const seconds = at - this.last.at;
      this.points.push(Math.max(total - this.last.total, 0) / seconds);
      if (this.points.length > SIZE) this.points.shift();
    }
    this.last = { total, at };
    this.draw();
  }

  draw() {
    const top = Math.max(1, ...this.points);
    const step = W / (SIZE - 1);
    const xy = this.points.map((v, i) => `${(i * step).toFixed(1)},${(H - (v / top) * (H - 4)).toFixed(1)}`);
    this.line.setAttribute("points", xy.join(" "));
    const now = this.points.length ? this.points[this.points.length - 1] : 0;
    this.caption.textContent = `${now.toFixed(1)} responses/s now, peak ${top.toFixed(1)}/s over the last minute`;
  }
}
