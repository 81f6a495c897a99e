#!/usr/bin/env python3
"""Render a terminal capture (tmux capture-pane -e -p) to PNG, cell by cell.

Usage: ansi2png.py CAPTURE.txt OUT.png COLS ROWS
Understands SGR colours (16, 256 and true colour), bold and reverse video, and wide (CJK)
characters, which is what omtop's screens use.
"""
import re
import sys
import unicodedata

from PIL import Image, ImageDraw, ImageFont

MONO = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
MONO_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
CJK = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
SIZE = 15
CELL_W, CELL_H = 9, 19

BASE16 = [
    (0x1d, 0x1f, 0x21), (0xcc, 0x33, 0x33), (0x5f, 0xb3, 0x4f), (0xd7, 0xaf, 0x3f),
    (0x4f, 0x8f, 0xd7), (0xb2, 0x6f, 0xc7), (0x3f, 0xb3, 0xb3), (0xc5, 0xc8, 0xc6),
    (0x66, 0x66, 0x66), (0xff, 0x5f, 0x5f), (0x87, 0xd7, 0x5f), (0xff, 0xd7, 0x5f),
    (0x7f, 0xaf, 0xff), (0xd7, 0x87, 0xff), (0x5f, 0xd7, 0xd7), (0xff, 0xff, 0xff),
]
DEFAULT_FG = (0xd0, 0xd0, 0xd0)
DEFAULT_BG = (0x16, 0x18, 0x1c)


def color256(n):
    if n < 16:
        return BASE16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    v = 8 + (n - 232) * 10
    return (v, v, v)


def width(ch):
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def parse(text, cols, rows):
    grid = [[(" ", DEFAULT_FG, DEFAULT_BG, False) for _ in range(cols)] for _ in range(rows)]
    fg, bg, bold, rev = DEFAULT_FG, DEFAULT_BG, False, False
    for y, line in enumerate(text.split("\n")[:rows]):
        x = 0
        for m in re.finditer(r"\x1b\[([0-9;:]*)m|\x1b\[[0-9;?]*[A-Za-z]|(.)", line):
            if m.group(2) is None:
                if m.group(1) is None:
                    continue
                params = [int(p) if p else 0 for p in re.split("[;:]", m.group(1))] or [0]
                i = 0
                while i < len(params):
                    p = params[i]
                    if p == 0:
                        fg, bg, bold, rev = DEFAULT_FG, DEFAULT_BG, False, False
                    elif p == 1:
                        bold = True
                    elif p == 22:
                        bold = False
                    elif p == 7:
                        rev = True
                    elif p == 27:
                        rev = False
                    elif 30 <= p <= 37:
                        fg = BASE16[p - 30]
                    elif 90 <= p <= 97:
                        fg = BASE16[p - 90 + 8]
                    elif 40 <= p <= 47:
                        bg = BASE16[p - 40]
                    elif 100 <= p <= 107:
                        bg = BASE16[p - 100 + 8]
                    elif p == 39:
                        fg = DEFAULT_FG
                    elif p == 49:
                        bg = DEFAULT_BG
                    elif p in (38, 48) and i + 1 < len(params):
                        if params[i + 1] == 5 and i + 2 < len(params):
                            c = color256(params[i + 2])
                            i += 2
                        elif params[i + 1] == 2 and i + 4 < len(params):
                            c = tuple(params[i + 2:i + 5])
                            i += 4
                        else:
                            c = None
                        if c is not None:
                            if p == 38:
                                fg = c
                            else:
                                bg = c
                    i += 1
                continue
            ch = m.group(2)
            w = width(ch)
            if w == 0 or x >= cols:
                continue
            f, b = (bg, fg) if rev else (fg, bg)
            grid[y][x] = (ch, f, b, bold)
            if w == 2 and x + 1 < cols:
                grid[y][x + 1] = ("", f, b, bold)
            x += w
    return grid


def render(grid, out):
    rows, cols = len(grid), len(grid[0])
    pad = 12
    img = Image.new("RGB", (cols * CELL_W + 2 * pad, rows * CELL_H + 2 * pad), DEFAULT_BG)
    draw = ImageDraw.Draw(img)
    mono = ImageFont.truetype(MONO, SIZE)
    mono_bold = ImageFont.truetype(MONO_BOLD, SIZE)
    cjk = ImageFont.truetype(CJK, SIZE)
    for y, row in enumerate(grid):
        for x, (ch, fg, bg, bold) in enumerate(row):
            px, py = pad + x * CELL_W, pad + y * CELL_H
            wide = ch and width(ch) == 2
            draw.rectangle([px, py, px + CELL_W * (2 if wide else 1) - 1, py + CELL_H - 1], fill=bg)
        for x, (ch, fg, bg, bold) in enumerate(row):
            if not ch or ch == " ":
                continue
            px, py = pad + x * CELL_W, pad + y * CELL_H
            font = cjk if width(ch) == 2 else (mono_bold if bold else mono)
            if font is not cjk and mono.getmask(ch).getbbox() is None and ch.strip():
                font = cjk
            draw.text((px, py + 1), ch, font=font, fill=fg)
    img.save(out)


def main():
    src, out, cols, rows = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    with open(src, encoding="utf-8", errors="replace") as f:
        text = f.read()
    render(parse(text, cols, rows), out)


if __name__ == "__main__":
    main()
