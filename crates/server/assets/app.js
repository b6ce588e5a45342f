// civicgrid pages: small progressive enhancements; every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // A search box filters the options of the select it names (the console's category
  // picker): typing narrows the list, Enter or ArrowDown moves into it.
  document.querySelectorAll("input.filter[data-filters]").forEach(function (box) {
    var select = document.getElementById(box.getAttribute("data-filters"));
    if (!select) return;
    box.addEventListener("input", function () {
      var q = box.value.trim().toLowerCase();
      var first = null;
      Array.prototype.forEach.call(select.options, function (o) {
        var show = !q || o.value === "" || o.text.toLowerCase().indexOf(q) >= 0;
        o.hidden = !show;
        if (show && o.value !== "" && !first) first = o;
      });
      if (q && first) select.value = first.value;
    });
    box.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" || e.key === "Enter") {
        e.preventDefault();
        select.focus();
      }
    });
  });
  // Address completion from the gazetteer (/api/v1/places): suggestions after a pause,
  // chosen with the mouse or the arrow keys and Enter; the choice fills the address, the
  // point fields named by data-lat / data-lng, and says which grid it lies in. Enter with
  // no suggestion highlighted still submits the form.
  document.querySelectorAll("input[data-places]").forEach(function (box) {
    var lat = document.getElementById(box.getAttribute("data-lat"));
    var lng = document.getElementById(box.getAttribute("data-lng"));
    var out = document.getElementById(box.getAttribute("data-place-out"));
    var list = document.createElement("ul");
    list.id = box.id + "-suggestions";
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    box.parentNode.appendChild(list);
    box.setAttribute("role", "combobox");
    box.setAttribute("aria-autocomplete", "list");
    box.setAttribute("aria-controls", list.id);
    box.setAttribute("aria-expanded", "false");
    box.setAttribute("autocomplete", "off");
    var timer = null, items = [], active = -1, asked = 0;
    function where(grid) {
      if (!grid) return box.getAttribute("data-unplaced") || "";
      return [grid.name, grid.community, grid.street].filter(Boolean).join(" · ") +
        (grid.code ? " (" + grid.code + ")" : "");
    }
    function close() {
      list.hidden = true; list.innerHTML = ""; items = []; active = -1;
      box.setAttribute("aria-expanded", "false");
      box.removeAttribute("aria-activedescendant");
    }
    function highlight(i) {
      active = i;
      Array.prototype.forEach.call(list.children, function (li, k) {
        li.setAttribute("aria-selected", k === i ? "true" : "false");
      });
      if (i >= 0) box.setAttribute("aria-activedescendant", list.id + "-" + i);
    }
    function choose(i) {
      var p = items[i];
      if (!p) return;
      box.value = p.address;
      if (lat) lat.value = p.lat;
      if (lng) lng.value = p.lng;
      if (out) out.textContent = where(p.grid);
      close();
    }
    box.addEventListener("input", function () {
      window.clearTimeout(timer);
      var q = box.value.trim();
      if (!q) { close(); return; }
      timer = window.setTimeout(function () {
        var mine = ++asked;
        fetch("/api/v1/places?limit=8&q=" + encodeURIComponent(q))
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (found) {
            if (mine !== asked) return;
            close();
            items = found;
            found.forEach(function (p, i) {
              var li = document.createElement("li");
              li.id = list.id + "-" + i;
              li.setAttribute("role", "option");
              li.textContent = p.address + (p.grid ? " — " + where(p.grid) : "");
              li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
              list.appendChild(li);
            });
            if (found.length) {
              list.hidden = false;
              box.setAttribute("aria-expanded", "true");
            }
          })
          .catch(function () {});
      }, 250);
    });
    box.addEventListener("keydown", function (e) {
      if (list.hidden) return;
      if (e.key === "ArrowDown") { e.preventDefault(); highlight(Math.min(active + 1, items.length - 1)); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(Math.max(active - 1, 0)); }
      else if (e.key === "Enter" && active >= 0) { e.preventDefault(); choose(active); }
      else if (e.key === "Escape") { close(); }
    });
    box.addEventListener("blur", function () { window.setTimeout(close, 150); });
    // A point typed by hand says which grid it lies in too.
    [lat, lng].forEach(function (field) {
      if (!field || !out) return;
      field.addEventListener("change", function () {
        if (!lat.value || !lng.value) return;
        fetch("/api/v1/grids?contains=" + encodeURIComponent(lat.value + "," + lng.value))
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (grids) { if (grids) out.textContent = where(grids[0]); })
          .catch(function () {});
      });
    });
  });
  // Ask before an action that cannot be taken back.
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.getAttribute("data-confirm"))) e.preventDefault();
    });
  });
});
