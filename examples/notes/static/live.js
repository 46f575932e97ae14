// Notes added in another tab or through the API appear here as they are added.
const list = document.getElementById("notes");
const scheme = location.protocol === "https:" ? "wss:" : "ws:";
const live = new WebSocket(`${scheme}//${location.host}${list.dataset.live}`);
live.onmessage = (event) => {
  const note = JSON.parse(event.data);
  if (note.reload) {  // notes were missed (the broker was away): catch up
    location.reload();
    return;
  }
  if (list.querySelector(`[data-id="${note.id}"]`)) return;
  const item = document.createElement("li");
  item.dataset.id = note.id;
  item.textContent = note.text;
  list.prepend(item);
};
