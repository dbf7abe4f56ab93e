/* issuepapers: the recommendation tracker — sort by any column, filter by text and facets.
   No server, no dependencies; works from the keyboard (buttons, inputs, selects). */
(function () {
  "use strict";

  function init(table) {
    var tbody = table.tBodies[0];
    var rows = Array.prototype.slice.call(tbody.rows);
    var form = document.querySelector("[data-ip-filters]");
    var count = document.querySelector("[data-ip-count]");
    var headers = Array.prototype.slice.call(table.querySelectorAll("th[data-ip-col]"));
    var text = rows.map(function (r) { return r.textContent.toLowerCase(); });

    function key(row, col, type) {
      var cell = row.cells[col];
      var v = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
      if (type === "number") { var n = parseFloat(v); return isNaN(n) ? -Infinity : n; }
      return v.toLowerCase();
    }

    function sort(col, type, th) {
      var asc = th.getAttribute("aria-sort") !== "ascending";
      headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      var order = rows.map(function (r, i) { return [key(r, col, type), i, r]; });
      order.sort(function (a, b) {
        if (a[0] < b[0]) return asc ? -1 : 1;
        if (a[0] > b[0]) return asc ? 1 : -1;
        return a[1] - b[1];
      });
      order.forEach(function (o) { tbody.appendChild(o[2]); });
    }

    function filter() {
      var q = "", facets = {};
      if (form) {
        Array.prototype.forEach.call(form.querySelectorAll("[data-ip-filter]"), function (el) {
          var name = el.getAttribute("data-ip-filter");
          if (name === "text") q = el.value.trim().toLowerCase();
          else if (el.value) facets[name] = el.value;
        });
      }
      var shown = 0;
      rows.forEach(function (r, i) {
        var ok = !q || text[i].indexOf(q) !== -1;
        for (var f in facets) {
          if (ok && r.getAttribute("data-" + f) !== facets[f]) ok = false;
        }
        r.hidden = !ok;
        if (ok) shown++;
      });
      if (count) {
        count.textContent = shown === rows.length
          ? rows.length + " recommendations"
          : "Showing " + shown + " of " + rows.length + " recommendations";
      }
    }

    headers.forEach(function (th, i) {
      var btn = th.querySelector("button[data-ip-sort]");
      if (!btn) return;
      btn.addEventListener("click", function () {
        sort(parseInt(btn.getAttribute("data-ip-sort"), 10), btn.getAttribute("data-ip-type"), th);
      });
    });
    if (form) {
      form.addEventListener("input", filter);
      form.addEventListener("change", filter);
      form.addEventListener("submit", function (e) { e.preventDefault(); });
    }
    filter();
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("table[data-ip-tracker]"), init);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
