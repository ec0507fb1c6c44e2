// The pages' behaviour, loaded from the app (the Content-Security-Policy allows no inline
// script): draw each chart from its data-figure, open the page a clicked point links to,
// submit a filter form when one of its [data-autosubmit] fields changes, and go to
// data-navigate + the chosen value for a [data-navigate] select. On a narrow screen (a
// phone) a chart's titles wrap instead of running off its edge and its legend goes under the
// plot, where it cannot cover the title; the long category labels of a horizontal bar chart
// wrap too, so they leave the plot (and the x axis's title under it) room.
(function () {
  "use strict";
  var NARROW = 560;  // px: narrower charts are fitted by fitNarrow
  var CHAR = 9;  // px: about the width of one character of a title (15px, wide letters)
  var LEGEND_ROW = 20;  // px: the height of a row of a legend
  var TICK_CHARS = 14;  // characters per line of a category label on a narrow chart's y axis

  function wrap(text, chars) {
    if (typeof text !== "string" || text.length <= chars || text.indexOf("<br>") >= 0) {
      return text;
    }
    var lines = [];
    var line = "";
    text.split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > chars) {
        lines.push(line);
        line = word;
      } else {
        line = line ? line + " " + word : word;
      }
    });
    lines.push(line);
    return lines.join("<br>");
  }

  function wrapCategories(fig) {
    // a horizontal bar's label is shown wrapped; the bar keeps its name for the hover text
    var bars = fig.data.filter(function (t) { return t.orientation === "h" && t.y; });
    var names = [];
    bars.forEach(function (t) {
      t.y.forEach(function (name) { if (names.indexOf(name) < 0) { names.push(name); } });
    });
    var long = names.some(function (name) {
      return typeof name === "string" && name.length > TICK_CHARS;
    });
    if (long) {
      fig.layout.yaxis = Object.assign({}, fig.layout.yaxis || {}, {
        tickmode: "array",
        tickvals: names,
        ticktext: names.map(function (name) { return wrap(name, TICK_CHARS); })
      });
    }
  }

  function fitNarrow(el, fig) {
    var layout = fig.layout;
    var width = el.clientWidth;
    var chars = Math.max(12, Math.floor(width / CHAR));
    var entries = fig.data.filter(function (t) { return t.name && t.showlegend !== false; });
    if (entries.length > 1) {  // the legend's rows, one per entry at worst, add to the height
      el.style.height = (el.clientHeight + LEGEND_ROW * entries.length) + "px";
    }
    if (layout.title && layout.title.text) {
      layout.title.text = wrap(layout.title.text, chars);
      var lines = layout.title.text.split("<br>").length;
      layout.margin = Object.assign({}, layout.margin || {});
      layout.margin.t = (layout.margin.t || 70) + 20 * (lines - 1);  // room for every line
    }
    wrapCategories(fig);
    if (layout.xaxis && layout.xaxis.title && layout.xaxis.title.text) {
      // centred on the plot, which the y axis's labels leave narrower, in a larger font
      layout.xaxis.title.text = wrap(layout.xaxis.title.text, Math.floor((width - 100) / 9));
    }
    layout.legend = Object.assign({}, layout.legend || {}, {
      orientation: "h", x: 0, xanchor: "left", xref: "paper",
      y: 0, yanchor: "bottom", yref: "container"
    });
  }

  document.querySelectorAll(".chart[data-figure]").forEach(function (el) {
    var fig = JSON.parse(el.getAttribute("data-figure"));
    if (el.clientWidth < NARROW) {
      fitNarrow(el, fig);
    }
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
