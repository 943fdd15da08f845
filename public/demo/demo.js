// The Turnpike SFU demo room, built on ion-sdk-js 1.8.2 exactly as an existing app would use it:
// IonSDK.Client over Signal.IonSFUJSONRPCSignal, LocalStream for camera/microphone or screen,
// and a "chat" data channel the SFU fans out to everyone in the room.
import { CHAT_CHANNEL, checkChat, Limits } from './lib/schema.js';

const { Client, LocalStream } = window.IonSDK;
const { IonSFUJSONRPCSignal } = window.Signal;

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

// ion-sdk-js defaults to Google's public STUN servers; the demo talks to this server only,
// unless the page is opened with ?ice=[{"urls":"stun:..."}].
const iceServers = (() => {
  try {
    return params.has('ice') ? JSON.parse(params.get('ice')) : [];
  } catch {
    return [];
  }
})();

const room = {
  client: undefined,
  signal: undefined,
  local: undefined,
  name: '',
  chat: undefined,
  names: new Map(), // stream id → display name
  greeted: new Set(),
  tiles: new Map(), // stream id → <figure>
};

function setStatus(text, ok = false) {
  $('status').textContent = text;
  $('status').classList.toggle('ok', ok);
}

function addLine(from, text, system = false) {
  const li = document.createElement('li');
  if (system) {
    li.className = 'system';
    li.textContent = text;
  } else {
    const who = document.createElement('b');
    who.textContent = `${from}: `;
    li.append(who, document.createTextNode(text));
  }
  $('messages').append(li);
  li.scrollIntoView({ block: 'end' });
}

function tileLabel(streamId) {
  return room.names.get(streamId) ?? 'Someone';
}

function showTile(stream, label, local = false) {
  let tile = room.tiles.get(stream.id);
  if (!tile) {
    tile = document.createElement('figure');
    tile.className = 'tile';
    tile.dataset.stream = stream.id;
    const video = document.createElement('video');
    video.autoplay = true;
    video.playsInline = true;
    video.muted = local; // never play your own microphone back
    tile.append(video, document.createElement('figcaption'));
    $('tiles').append(tile);
    room.tiles.set(stream.id, tile);
  }
  const video = tile.querySelector('video');
  if (video.srcObject !== stream) video.srcObject = stream;
  video.play().catch(() => {
    // Autoplay with sound can be refused; muted playback always works.
    video.muted = true;
    video.play().catch(() => {});
  });
  tile.querySelector('figcaption').textContent = label;
}

function removeTile(streamId) {
  room.tiles.get(streamId)?.remove();
  room.tiles.delete(streamId);
}

function onRemoteTrack(track, stream) {
  showTile(stream, tileLabel(stream.id));
  const drop = () => {
    // The SFU removes a leaver's media sections; the browser then takes the tracks out of the stream.
    if (stream.getTracks().every((t) => t.readyState === 'ended') || stream.getTracks().length === 0) removeTile(stream.id);
  };
  stream.onremovetrack = drop;
  track.addEventListener('ended', drop);
}

function send(message) {
  if (room.chat?.readyState === 'open') room.chat.send(JSON.stringify(message));
}

function onChat(event) {
  const checked = checkChat(event.data);
  if (!checked.ok) return;
  const msg = checked.value;
  if (msg.streamId) {
    room.names.set(msg.streamId, msg.from);
    const tile = room.tiles.get(msg.streamId);
    if (tile) tile.querySelector('figcaption').textContent = msg.from;
  }
  if (msg.hello) {
    if (msg.hello === 'join') {
      addLine('', `${msg.from} joined`, true);
      send({ from: room.name, text: '', streamId: room.local?.id, hello: 'reply' });
    }
    return;
  }
  addLine(msg.from, msg.text);
}

function wireChat(channel) {
  channel.addEventListener('message', onChat);
}

async function publish(source) {
  if (source === 'none') return;
  const local =
    source === 'screen'
      ? await LocalStream.getDisplayMedia({ resolution: 'hd', video: true, audio: false, codec: 'vp8', simulcast: false })
      : await LocalStream.getUserMedia({ resolution: 'vga', audio: true, video: true, codec: 'vp8', simulcast: false });
  room.local = local;
  showTile(local, `${room.name} (you)`, true);
  room.client.publish(local);
}

async function join(event) {
  event.preventDefault();
  const roomName = $('room').value.trim();
  room.name = $('name').value.trim().slice(0, Limits.uid);
  if (!roomName || !room.name) return;
  $('join').disabled = true;
  setStatus('Connecting…');

  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const signal = new IonSFUJSONRPCSignal(`${scheme}//${location.host}/ws`);
  const client = new Client(signal, { codec: 'vp8', iceServers });
  room.signal = signal;
  room.client = client;
  client.ontrack = onRemoteTrack;
  client.ondatachannel = ({ channel }) => {
    if (channel.label === CHAT_CHANNEL) wireChat(channel);
  };
  client.onspeaker = (ids) => {
    for (const [id, tile] of room.tiles) tile.classList.toggle('speaking', ids.includes(id));
  };
  signal.onclose = () => setStatus('Disconnected');
  signal.onerror = () => setStatus('Connection error');

  signal.onopen = async () => {
    try {
      await client.join(roomName, room.name);
      $('join-form').hidden = true;
      $('room-view').hidden = false;
      setStatus(`In room “${roomName}” as ${room.name}`, true);
      await publish($('source').value);
      room.chat = client.createDataChannel(CHAT_CHANNEL);
      wireChat(room.chat);
      room.chat.addEventListener('open', () => {
        send({ from: room.name, text: '', streamId: room.local?.id, hello: 'join' });
      });
      addLine('', `You joined “${roomName}”`, true);
    } catch (err) {
      setStatus(`Could not join: ${err?.message ?? err}`);
      $('join').disabled = false;
    }
  };
}

function sendChat(event) {
  event.preventDefault();
  const text = $('chat-input').value.trim().slice(0, Limits.chatText);
  if (!text) return;
  send({ from: room.name, text, streamId: room.local?.id });
  addLine(room.name, text);
  $('chat-input').value = '';
}

function leave() {
  room.local?.getTracks().forEach((t) => t.stop());
  room.client?.close();
  location.reload();
}

$('name').value = params.get('name') ?? '';
$('room').value = params.get('room') ?? $('room').value;
$('join-form').addEventListener('submit', join);
$('chat-form').addEventListener('submit', sendChat);
$('leave').addEventListener('click', leave);
