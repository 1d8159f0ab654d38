// Document view: layer toggles, record <-> text focus, and ?start=&end= jumps (from Datasette).
(function () {
  "use strict";
  function tokensOf(key) {
    var tokens = [];
    document.querySelectorAll('.ngo-slice[data-key="' + key + '"]').forEach(function (slice) {
      tokens.push(slice.parentElement);
    });
    return tokens;
  }
  document.querySelectorAll("input[data-toggle-layer]").forEach(function (box) {
    box.addEventListener("change", function () {
      document.body.classList.toggle("hide-" + box.dataset.toggleLayer, !box.checked);
    });
  });
  document.querySelectorAll(".record[data-key]").forEach(function (row) {
    var key = row.dataset.key;
    row.addEventListener("mouseenter", function () {
      tokensOf(key).forEach(function (t) { t.classList.add("focus"); });
    });
    row.addEventListener("mouseleave", function () {
      tokensOf(key).forEach(function (t) { t.classList.remove("focus"); });
    });
  });
  var selected = document.getElementById("rec-selection-s1");
  if (selected) { selected.scrollIntoView({block: "center"}); }
  var params = new URLSearchParams(window.location.search);
  var start = parseInt(params.get("start"), 10), end = parseInt(params.get("end"), 10);
  if (!isNaN(start) && !selected) {
    if (isNaN(end)) { end = start + 1; }
    var first = null;
    document.querySelectorAll(".ngo-token[data-start]").forEach(function (t) {
      var a = parseInt(t.dataset.start, 10), b = parseInt(t.dataset.end, 10);
      if (a < end && b > start) { t.classList.add("flash"); if (!first) { first = t; } }
    });
    if (first) { first.scrollIntoView({block: "center"}); }
  }
})();
