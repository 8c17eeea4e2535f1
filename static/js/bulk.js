// Bulk actions on the directory: show only the fields the chosen action needs. Without
// this script every field shows, and the server still takes only what the action needs.
(function () {
  "use strict";

  function update(form) {
    var select = form.querySelector("#bulk-action");
    if (!select) {
      return;
    }
    var fields = form.querySelectorAll(".bulk-field[data-actions]");
    for (var i = 0; i < fields.length; i++) {
      var wanted = fields[i].getAttribute("data-actions").split(" ").indexOf(select.value) >= 0;
      fields[i].hidden = !wanted;
      var inputs = fields[i].querySelectorAll("input, select");
      for (var j = 0; j < inputs.length; j++) {
        inputs[j].disabled = !wanted;
      }
    }
  }

  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "bulk-action") {
      update(event.target.form);
    }
  });

  function start() {
    var form = document.getElementById("bulk");
    if (form) {
      update(form);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
