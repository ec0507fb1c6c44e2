// The pages' behaviour, loaded from the app (the Content-Security-Policy allows no inline
// script): draw each chart from its data-figure, open the page a clicked point links to,
// submit a filter form when one of its [data-autosubmit] fields changes, and go to
// data-navigate + the chosen value for a [data-navigate] select.
(function () {
  "use strict";
  document.querySelectorAll(".chart[data-figure]").forEach(function (el) {
    var fig = JSON.parse(el.getAttribute("data-figure"));
    Plotly.newPlot(el, fig.data, fig.layout, {displaylogo: false, responsive: true});
    el.on("plotly_click", function (event) {
      var target = event.points && event.points[0] && event.points[0].customdata;
      if (typeof target === "string" && target.charAt(0) === "/" && target.charAt(1) !== "/") {
        window.location.href = target;
      }
    });
  });
  document.querySelectorAll("[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () { el.form.submit(); });
  });
  document.querySelectorAll("select[data-navigate]").forEach(function (el) {
    el.addEventListener("change", function () {
      window.location.href = el.getAttribute("data-navigate") + encodeURIComponent(el.value);
    });
  });
})();
