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
  // A district map to pick a place on (no map tiles: the grid polygons are drawn from
  // /api/v1/layers/{layer}/geojson). A click sets the point fields named by data-lat and
  // data-lng, marks the spot and says which grid it lies in.
  document.querySelectorAll("div[data-map-pick]").forEach(function (box) {
    var NS = "http://www.w3.org/2000/svg";
    var lat = document.getElementById(box.getAttribute("data-lat"));
    var lng = document.getElementById(box.getAttribute("data-lng"));
    var out = document.getElementById(box.getAttribute("data-place-out"));
    var layer = box.getAttribute("data-layer") || "grids";
    fetch("/api/v1/layers/" + encodeURIComponent(layer) + "/geojson")
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (collection) {
        if (!collection || !collection.features.length) return;
        var rings = [];
        collection.features.forEach(function (f) {
          var g = f.geometry;
          var polygons = g.type === "Polygon" ? [g.coordinates] : g.coordinates;
          polygons.forEach(function (p) { rings.push({ ring: p[0], name: f.properties.name }); });
        });
        var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
        rings.forEach(function (r) {
          r.ring.forEach(function (c) {
            x0 = Math.min(x0, c[0]); x1 = Math.max(x1, c[0]);
            y0 = Math.min(y0, c[1]); y1 = Math.max(y1, c[1]);
          });
        });
        // Longitude shrinks with the cosine of the latitude; 1000 units across.
        var k = Math.cos((y0 + y1) / 2 * Math.PI / 180);
        var scale = 1000 / ((x1 - x0) * k || 1);
        var height = (y1 - y0) * scale || 1;
        var svg = document.createElementNS(NS, "svg");
        svg.setAttribute("viewBox", "0 0 1000 " + height.toFixed(1));
        svg.setAttribute("class", "map pick");
        svg.setAttribute("role", "img");
        svg.setAttribute("aria-label", box.getAttribute("data-label") || "");
        rings.forEach(function (r) {
          var path = document.createElementNS(NS, "path");
          path.setAttribute("d", "M" + r.ring.map(function (c) {
            return ((c[0] - x0) * k * scale).toFixed(1) + "," + ((y1 - c[1]) * scale).toFixed(1);
          }).join("L") + "Z");
          var title = document.createElementNS(NS, "title");
          title.textContent = r.name;
          path.appendChild(title);
          svg.appendChild(path);
        });
        var mark = document.createElementNS(NS, "circle");
        mark.setAttribute("r", "8");
        mark.setAttribute("class", "picked");
        mark.setAttribute("visibility", "hidden");
        svg.appendChild(mark);
        svg.addEventListener("click", function (e) {
          var box2 = svg.getBoundingClientRect();
          var x = (e.clientX - box2.left) / box2.width * 1000;
          var y = (e.clientY - box2.top) / box2.height * height;
          var pickedLng = x0 + x / (k * scale), pickedLat = y1 - y / scale;
          if (lat) lat.value = pickedLat.toFixed(6);
          if (lng) lng.value = pickedLng.toFixed(6);
          mark.setAttribute("cx", x.toFixed(1));
          mark.setAttribute("cy", y.toFixed(1));
          mark.setAttribute("visibility", "visible");
          if (out) {
            fetch("/api/v1/grids?contains=" + encodeURIComponent(pickedLat.toFixed(6) + "," + pickedLng.toFixed(6)))
              .then(function (r) { return r.ok ? r.json() : null; })
              .then(function (grids) {
                if (!grids) return;
                var g = grids[0];
                out.textContent = g ? [g.name, g.community, g.street].filter(Boolean).join(" · ") +
                  (g.code ? " (" + g.code + ")" : "") : (box.getAttribute("data-unplaced") || "");
              })
              .catch(function () {});
          }
        });
        box.appendChild(svg);
      })
      .catch(function () {});
  });
  // Ask before an action that cannot be taken back.
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.getAttribute("data-confirm"))) e.preventDefault();
    });
  });
});
