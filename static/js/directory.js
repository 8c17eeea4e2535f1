// The member directory: a mobile or ID number typed into the search box travels in a
// request header, never in the URL (browser history, proxy and server logs keep URLs).
(function () {
  "use strict";
  var PERSONAL_NUMBER = /^\s*(\d{7,}|\d{17}[\dXx])\s*$/;

  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("#directory");
    if (!form) {
      return;
    }
    var params = event.detail.parameters;
    var q = params.q;
    if (typeof q === "string" && PERSONAL_NUMBER.test(q)) {
      event.detail.headers["X-Directory-Search"] = q.trim();
      delete params.q;
    }
  });
})();
