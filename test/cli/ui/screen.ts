// A small terminal emulator for tests: replays what a program wrote to a terminal (text, CR,
// LF, cursor moves, line and screen erases) and gives the screen a person would be left with.

export class Screen {
  private lines: string[][] = [[]];
  private row = 0;
  private col = 0;
  /** Whether the cursor is shown (DECTCEM, `ESC[?25h` / `ESC[?25l`). */
  cursorVisible = true;

  constructor(
    readonly cols = 100,
    readonly rows = 40,
  ) {}

  /** The screen's text, rows right-trimmed, trailing blank rows dropped. */
  text(): string {
    const lines = this.lines.map((l) => l.join("").replace(/\s+$/, ""));
    while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
    return lines.join("\n");
  }

  write(data: string): this {
    // eslint-disable-next-line no-control-regex
    const tokens = data.match(/\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b.|[\s\S]/gu) ?? [];
    for (const t of tokens) {
      if (t === "\r") this.col = 0;
      else if (t === "\n") this.down();
      else if (t === "\b") this.col = Math.max(0, this.col - 1);
      else if (t.startsWith("\u001b[")) this.csi(t);
      else if (t.startsWith("\u001b")) continue;
      else if (t < " ") continue;
      else this.put(t);
    }
    return this;
  }

  private line(): string[] {
    while (this.lines.length <= this.row) this.lines.push([]);
    return this.lines[this.row]!;
  }

  private down(): void {
    this.row++;
    this.line();
  }

  private put(ch: string): void {
    if (this.col >= this.cols) {
      this.col = 0;
      this.down();
    }
    const line = this.line();
    while (line.length < this.col) line.push(" ");
    line[this.col++] = ch;
  }

  /** First row of the visible screen: the buffer keeps the scrollback above it. */
  private top(): number {
    return Math.max(0, this.lines.length - this.rows);
  }

  private csi(seq: string): void {
    const final = seq[seq.length - 1]!;
    const body = seq.slice(2, -1);
    if (body.startsWith("?")) {
      if (body === "?25h") this.cursorVisible = true;
      if (body === "?25l") this.cursorVisible = false;
      return;
    }
    const args = body.split(";").map((n) => (n === "" ? undefined : Number(n)));
    const n = args[0] ?? 1;
    switch (final) {
      case "A":
        this.row = Math.max(this.top(), this.row - n);
        break;
      case "B":
        this.row += n;
        this.line();
        break;
      case "C":
        this.col += n;
        break;
      case "D":
        this.col = Math.max(0, this.col - n);
        break;
      case "G":
        this.col = n - 1;
        break;
      case "H":
      case "f":
        this.row = this.top() + (args[0] ?? 1) - 1;
        this.col = (args[1] ?? 1) - 1;
        this.line();
        break;
      case "K": {
        const line = this.line();
        const mode = args[0] ?? 0;
        if (mode === 0) line.length = Math.min(line.length, this.col);
        else if (mode === 1) for (let i = 0; i <= this.col && i < line.length; i++) line[i] = " ";
        else line.length = 0;
        break;
      }
      case "J": {
        const mode = args[0] ?? 0;
        if (mode === 0) {
          this.line().length = Math.min(this.line().length, this.col);
          this.lines.length = this.row + 1;
        } else if (mode === 2 || mode === 3) {
          for (let r = this.top(); r < this.lines.length; r++) this.lines[r] = [];
        }
        break;
      }
      default:
        // colours (m) and the rest change nothing a reader of the text sees
        break;
    }
  }
}
