/* Draws the dashboard's charts: each <figure data-chart-url> fetches its Plotly figure JSON (the server's stored
   render; the ETag makes an unchanged chart a 304) and draws it with the vendored plotly.min.js. No inline script,
   so the Content-Security-Policy keeps script-src 'self'. */
(function () {
    "use strict";

    var MODE_BAR_REMOVE = ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines", "hoverClosestCartesian",
        "hoverCompareCartesian"];

    function config(figure) {
        return {
            responsive: true,
            displaylogo: false,
            modeBarButtonsToRemove: MODE_BAR_REMOVE,
            toImageButtonOptions: {format: "png", filename: figure.dataset.filename, scale: 2}
        };
    }

    function fail(figure, message) {
        figure.dataset.state = "failed";
        var note = figure.querySelector(".chart-status");
        note.textContent = message;
        note.hidden = false;
    }

    function draw(figure) {
        var plot = figure.querySelector(".plot");
        figure.dataset.state = "loading";
        fetch(figure.dataset.chartUrl, {credentials: "same-origin", headers: {Accept: "application/json"}})
            .then(function (response) {
                if (!response.ok) {
                    throw new Error("the server answered " + response.status);
                }
                return response.json();
            })
            .then(function (spec) {
                return Plotly.newPlot(plot, spec.data, spec.layout, config(figure));
            })
            .then(function () {
                figure.dataset.state = "drawn";
            })
            .catch(function (error) {
                fail(figure, "This chart could not be drawn (" + error.message + "). Its data is in the CSV.");
            });
    }

    function downloadPng(event) {
        var figure = event.currentTarget.closest("figure");
        var plot = figure.querySelector(".plot");
        if (figure.dataset.state !== "drawn") {
            return;
        }
        Plotly.downloadImage(plot, {format: "png", filename: figure.dataset.filename, width: 1200,
            height: plot.clientHeight * 1200 / plot.clientWidth, scale: 2});
    }

    document.addEventListener("DOMContentLoaded", function () {
        document.querySelectorAll("figure[data-chart-url]").forEach(function (figure) {
            draw(figure);
            figure.querySelector("button.download-png").addEventListener("click", downloadPng);
        });
    });
}());
