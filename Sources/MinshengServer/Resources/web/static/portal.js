// Progressive enhancement: towns follow the district without a round trip; forms submit once.
(function () {
  document.documentElement.classList.add("js");
  var district = document.querySelector("select.js-district"), town = document.querySelector("select.js-town");
  if (district && town) {
    district.addEventListener("change", function () {
      town.textContent = "";
      var first = document.createElement("option"); first.value = ""; first.textContent = district.value ? "请选择" : "先选区县";
      town.appendChild(first);
      if (!district.value) return;
      fetch("/portal/towns?district=" + encodeURIComponent(district.value)).then(function (r) { return r.json(); }).then(function (d) {
        (d.items || []).forEach(function (t) {
          var o = document.createElement("option"); o.value = t.id; o.textContent = t.name; town.appendChild(o);
        });
      });
    });
  }
  document.querySelectorAll("form.js-once").forEach(function (f) {
    f.addEventListener("submit", function (ev) {
      if (ev.submitter && ev.submitter.name === "pickTown") return;
      if (f.dataset.sent) { ev.preventDefault(); return; }
      f.dataset.sent = "1";
      f.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    });
  });
})();
