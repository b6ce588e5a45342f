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
  // Ask before an action that cannot be taken back.
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.getAttribute("data-confirm"))) e.preventDefault();
    });
  });
});
