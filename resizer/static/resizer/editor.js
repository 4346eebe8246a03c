/* resizer's crop and focal-point editor in the Django admin (resizer/admin.py): plain script, no build.

   The form's crop and focus text fields are the state: clicking, dragging, the arrow keys and the
   reset buttons write them, typing in them moves the overlay. Values are fractions of the upright
   picture with at most 4 decimals, so the script works in whole ten-thousandths (units) and never
   writes a value that float rounding pushed past the picture's edge. */
"use strict";

(() => {
  const UNITS = 10000;
  const DRAG_PIXELS = 4; // a press that moves less than this is a click: the focal point
  const STEP = 100; // an arrow key moves the point 1 % of the picture, 10 % with Shift
  const BIG_STEP = 1000;
  const PREVIEW_DELAY = 200; // ms of quiet before asking for new preview URLs
  const NUMBER = /^\+?(\d{0,3})(\.\d{0,8})?$/;

  const clamp = (value, low, high) => Math.min(high, Math.max(low, value));

  /* "0.1:0.2" → [1000, 2000]; null when not `count` fractions 0 … 1 with at most 4 decimals. */
  function parseUnits(text, count) {
    const parts = text.trim().split(":");
    if (parts.length !== count) return null;
    const units = [];
    for (const part of parts.map((p) => p.trim())) {
      if (!NUMBER.test(part) || !/\d/.test(part)) return null;
      const scaled = Number(part) * UNITS;
      const whole = Math.round(scaled);
      if (Math.abs(scaled - whole) > 1e-6 || whole < 0 || whole > UNITS) return null;
      units.push(whole);
    }
    return units;
  }

  const spell = (units) => units.map((unit) => String(unit / UNITS)).join(":");

  /* The crop box [x, y, w, h] in units, null for the whole picture; undefined when invalid. */
  function parseCrop(text) {
    if (!text.trim()) return null;
    const box = parseUnits(text, 4);
    if (!box) return undefined;
    const [x, y, w, h] = box;
    if (w <= 0 || h <= 0 || x + w > UNITS || y + h > UNITS) return undefined;
    return x === 0 && y === 0 && w === UNITS && h === UNITS ? null : box;
  }

  /* The focal point [x, y] in units, null for the centre; undefined when invalid. */
  function parseFocus(text) {
    if (!text.trim()) return null;
    const point = parseUnits(text, 2);
    if (!point) return undefined;
    return point[0] === UNITS / 2 && point[1] === UNITS / 2 ? null : point;
  }

  class Editor {
    constructor(root) {
      this.root = root;
      const form = root.closest("form");
      this.cropInput = root.dataset.cropName ? form.elements[root.dataset.cropName] : null;
      this.focusInput = root.dataset.focusName ? form.elements[root.dataset.focusName] : null;
      this.stage = root.querySelector(".resizer-framing-stage");
      this.picture = this.stage.querySelector("img");
      this.box = root.querySelector(".resizer-framing-crop");
      this.marker = root.querySelector(".resizer-framing-focus");
      this.status = root.querySelector(".resizer-framing-status");
      this.previews = [...root.querySelectorAll(".resizer-framing-previews img")];
      this.shown = `${root.dataset.crop}|${root.dataset.focus}`; // what the previews show now
      this.request = 0;
      this.press = null;
      this.listen();
      this.update();
    }

    listen() {
      this.stage.addEventListener("pointerdown", (event) => this.down(event));
      this.stage.addEventListener("pointermove", (event) => this.move(event));
      this.stage.addEventListener("pointerup", (event) => this.up(event));
      this.stage.addEventListener("pointercancel", () => this.cancel());
      this.marker?.addEventListener("keydown", (event) => this.key(event));
      for (const input of [this.cropInput, this.focusInput]) input?.addEventListener("input", () => this.update());
      for (const button of this.root.querySelectorAll("[data-reset]")) {
        button.addEventListener("click", () => this.write(button.dataset.reset === "crop" ? this.cropInput : this.focusInput, ""));
      }
    }

    /* Where an event is, in units of the picture (clamped to it). */
    at(event) {
      const rect = this.picture.getBoundingClientRect();
      return [
        Math.round(clamp((event.clientX - rect.left) / rect.width, 0, 1) * UNITS),
        Math.round(clamp((event.clientY - rect.top) / rect.height, 0, 1) * UNITS),
      ];
    }

    down(event) {
      if (event.button !== 0) return;
      event.preventDefault();
      this.stage.setPointerCapture(event.pointerId);
      this.press = { x: event.clientX, y: event.clientY, start: this.at(event), dragging: false };
      this.marker?.focus({ preventScroll: true }); // so that the arrow keys go on from here
    }

    move(event) {
      const press = this.press;
      if (!press) return;
      press.dragging ||= Math.hypot(event.clientX - press.x, event.clientY - press.y) >= DRAG_PIXELS;
      if (press.dragging && this.cropInput) this.draw(this.boxBetween(press.start, this.at(event)));
    }

    up(event) {
      const press = this.press;
      this.press = null;
      if (!press) return;
      if (!press.dragging) {
        if (this.focusInput) this.write(this.focusInput, spell(this.at(event)));
        return;
      }
      if (!this.cropInput) return;
      const box = this.boxBetween(press.start, this.at(event));
      if (box[2] > 0 && box[3] > 0) this.write(this.cropInput, spell(box));
      else this.update(); // a drag along an edge: no box, keep the crop as it was
    }

    cancel() {
      this.press = null;
      this.update();
    }

    boxBetween(start, end) {
      const x = Math.min(start[0], end[0]);
      const y = Math.min(start[1], end[1]);
      return [x, y, Math.max(start[0], end[0]) - x, Math.max(start[1], end[1]) - y];
    }

    key(event) {
      const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
      const direction = moves[event.key];
      if (!direction) return;
      event.preventDefault();
      const step = event.shiftKey ? BIG_STEP : STEP;
      const [x, y] = parseFocus(this.focusInput.value) ?? [UNITS / 2, UNITS / 2];
      this.write(this.focusInput, spell([clamp(x + direction[0] * step, 0, UNITS), clamp(y + direction[1] * step, 0, UNITS)]));
    }

    /* Set a field as if typed (canonical text; the centre and the whole picture are ""). */
    write(input, text) {
      if (!input) return; // a field the form leaves out (or shows read-only)
      const value = input === this.cropInput ? parseCrop(text) : parseFocus(text);
      input.value = value ? spell(value) : "";
      input.dispatchEvent(new Event("change", { bubbles: true }));
      this.update();
    }

    update() {
      const crop = this.cropInput ? parseCrop(this.cropInput.value) : null;
      const focus = this.focusInput ? parseFocus(this.focusInput.value) : null;
      this.cropInput?.setAttribute("aria-invalid", String(crop === undefined));
      this.focusInput?.setAttribute("aria-invalid", String(focus === undefined));
      if (crop !== undefined) this.draw(crop);
      if (focus !== undefined) this.place(focus);
      if (crop === undefined || focus === undefined) {
        this.say(crop === undefined ? "The crop is not x:y:w:h inside the picture." : "The focal point is not x:y.");
        return;
      }
      this.say("");
      this.schedule(crop ? spell(crop) : "", focus ? spell(focus) : "");
    }

    draw(box) {
      if (!this.box) return;
      this.box.hidden = !box;
      if (!box) return;
      const [x, y, w, h] = box.map((unit) => `${unit / 100}%`);
      Object.assign(this.box.style, { left: x, top: y, width: w, height: h });
    }

    place(point) {
      if (!this.marker) return;
      const [x, y] = point ?? [UNITS / 2, UNITS / 2];
      Object.assign(this.marker.style, { left: `${x / 100}%`, top: `${y / 100}%` });
      this.marker.classList.toggle("is-default", !point);
      const spoken = `${Math.round(x / 100)} % from the left, ${Math.round(y / 100)} % from the top`;
      this.marker.setAttribute("aria-label", `Focal point: ${point ? spoken : "the centre"}. Arrow keys move it.`);
    }

    say(text) {
      if (this.status) this.status.textContent = text;
    }

    /* The previews' URLs are signed by the server: ask for them once the editor pauses. */
    schedule(crop, focus) {
      const wanted = `${crop}|${focus}`;
      if (wanted === this.shown) return;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.refresh(crop, focus, wanted), PREVIEW_DELAY);
    }

    async refresh(crop, focus, wanted) {
      const request = ++this.request;
      const query = new URLSearchParams({ crop, focus });
      this.root.dataset.loading = "";
      try {
        const response = await fetch(`${this.root.dataset.endpoint}&${query}`, {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        });
        const answer = await response.json();
        if (request !== this.request) return; // a later change is on its way
        if (!response.ok) {
          this.say(answer.error || `The previews could not be made (${response.status}).`);
          return;
        }
        answer.previews.forEach((preview, index) => {
          if (this.previews[index]) this.previews[index].src = preview.url;
        });
        this.shown = wanted;
      } catch (error) {
        if (request === this.request) this.say(`The previews could not be made: ${error.message}`);
      } finally {
        if (request === this.request) delete this.root.dataset.loading;
      }
    }
  }

  function start() {
    for (const root of document.querySelectorAll(".resizer-framing")) new Editor(root);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
