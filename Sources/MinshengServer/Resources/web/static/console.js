// Progressive enhancement only: every page works without this file.
(function () {
  // A form submits once: a double click makes one case, not two (the server also deduplicates by key).
  document.querySelectorAll("form.js-once").forEach(function (f) {
    f.addEventListener("submit", function (ev) {
      if (ev.submitter && ev.submitter.name === "searchUnits") return;
      if (f.dataset.sent) { ev.preventDefault(); return; }
      f.dataset.sent = "1";
      f.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    });
  });
  // Unit picker: search as you type (name or pinyin initials), results as radio buttons.
  document.querySelectorAll("input.js-unit-search").forEach(function (input) {
    var box = document.getElementById(input.dataset.target);
    if (!box) return;
    var field = input.dataset.target === "location-results" ? "locationUnit" : "unit";
    var timer = null;
    input.addEventListener("keydown", function (ev) { if (ev.key === "Enter") ev.preventDefault(); });
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value.trim();
        if (!q) return;
        var url = "/console/units?q=" + encodeURIComponent(q) + (input.dataset.scope === "all" ? "&scope=all" : "");
        fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
          var keep = box.querySelector("input:checked");
          box.textContent = "";
          if (keep) box.appendChild(keep.closest("label"));
          (data.items || []).forEach(function (u) {
            var label = document.createElement("label");
            var radio = document.createElement("input");
            radio.type = "radio"; radio.name = field; radio.value = u.id;
            label.appendChild(radio);
            label.appendChild(document.createTextNode(" " + u.name + " "));
            var span = document.createElement("span"); span.className = "small muted"; span.textContent = u.path;
            label.appendChild(span);
            box.appendChild(label);
          });
          if (!data.items || !data.items.length) {
            var none = document.createElement("div"); none.className = "small muted"; none.textContent = "没有找到匹配的单位";
            box.appendChild(none);
          }
        });
      }, 150);
    });
  });
  // Keyboard: "/" searches, "n" registers a call, "i" goes to the inbox (not while typing in a field).
  document.addEventListener("keydown", function (ev) {
    var t = ev.target;
    if (ev.ctrlKey || ev.metaKey || ev.altKey || (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)))) return;
    if (ev.key === "/") {
      var box = document.querySelector("input[type=search]");
      if (box) { ev.preventDefault(); box.focus(); }
    } else if (ev.key === "n" && document.querySelector("a[href='/console/new']")) {
      location.href = "/console/new";
    } else if (ev.key === "i") {
      location.href = "/console";
    }
  });
})();
