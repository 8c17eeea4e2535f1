// The member directory: a mobile or ID number typed into the search box travels in a
// request header, never in the URL (browser history, proxy and server logs keep URLs).
// Numbers come as people paste them (+86 139 0733 1234, 139-0733-1234, full-width digits):
// they are recognised in every such form and sent normalized, as the server stores them.
(function () {
  "use strict";
  var PERSONAL_NUMBER = /^(\d{7,}|\d{17}[\dX])$/;
  // The same separators as members.validators._SEPARATORS.
  var SEPARATORS = /[\s\u3000\u00a0\-\u2010\u2011\u2013\u2014.\u00b7()\uff08\uff09]/g;

  function normalized(value) {
    var text = value.replace(/[\uff10-\uff19\uff0b\uff0d\uff38\uff58]/g, function (ch) {
      return String.fromCharCode(ch.charCodeAt(0) - 0xfee0);
    });
    text = text.replace(SEPARATORS, "").toUpperCase();
    if (text.indexOf("+86") === 0) {
      text = text.slice(3);
    } else if (text.indexOf("0086") === 0) {
      text = text.slice(4);
    } else if (/^861[3-9]\d{9}$/.test(text)) {
      text = text.slice(2);
    }
    return text;
  }

  function personalNumber(value) {
    if (typeof value !== "string") {
      return "";
    }
    var text = normalized(value);
    return PERSONAL_NUMBER.test(text) ? text : "";
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("#directory");
    if (!form) {
      return;
    }
    var params = event.detail.parameters;
    var number = personalNumber(params.q);
    if (number) {
      event.detail.headers["X-Directory-Search"] = number;
      delete params.q;
    }
  });

  // Without htmx (a plain submit), the number would go into the URL: keep it out.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || form.id !== "directory" || window.htmx) {
      return;
    }
    var box = form.querySelector("[name=q]");
    if (box && personalNumber(box.value)) {
      event.preventDefault();
    }
  });

  window.lusongDirectory = { personalNumber: personalNumber };
})();
