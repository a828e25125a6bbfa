// The review queue: "Select all on this page" ticks every process's box (the server reads the
// field itself, so the form works without this script); unticking one unticks "all".
document.addEventListener("DOMContentLoaded", function () {
  var all = document.getElementById("review-select-all");
  if (!all) { return; }
  var boxes = Array.prototype.slice.call(document.querySelectorAll(".procurement-review-form input[name='ids']"));
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
  });
  boxes.forEach(function (box) {
    box.addEventListener("change", function () {
      all.checked = boxes.every(function (other) { return other.checked; });
    });
  });
});
