// Curbside ops console: a live map of a city from dispatch's ops stream, counters with
// sparklines and a trip inspector. Plain JavaScript, no libraries, nothing loaded from elsewhere
// (the Content-Security-Policy allows only this host), so it works offline.
//
// Sign in with an admin account, or open /console#token=<access token>&city=<city id> to skip
// the form (automation). After every snapshot <body> carries data-connected="true",
// data-driver-count, data-trip-count and data-snapshot-count; data-connected turns "false" when
// the stream closes.
(function () {
  'use strict';

  // ---- Settings ---------------------------------------------------------------------------

  const SNAPSHOT_INTERVAL_MS = 1000;
  const HISTORY_MS = 5 * 60 * 1000; // sparklines and p99 cover the last five minutes
  const PROBE_INTERVAL_MS = 5000; // a light API call, so p99 has samples even when idle
  const INSPECTOR_REFRESH_MS = 5000;
  const MAX_RADIUS_KM = 45; // the stream accepts boxes of at most 100 km a side
  const DEFAULT_RADIUS_KM = 10;
  const RECONNECT_MIN_MS = 1000;
  const RECONNECT_MAX_MS = 30000;
  const REFRESH_MARGIN_MS = 60 * 1000; // refresh the access token this long before it expires
  const KM_PER_DEGREE = 111.195;

  const COLORS = {
    AVAILABLE: '#1a9e55',
    OFFERED: '#e59b0b',
    ON_TRIP: '#2457d6',
    STALE: '#98a2b3',
    tripOpen: '#e5670b',
    tripAssigned: '#2457d6',
    selected: '#111827',
    grid: '#e8ecf2',
    area: '#98a2b3',
    ground: '#fbfcfe',
  };

  // ---- State --------------------------------------------------------------------------------

  const state = {
    auth: null, // { accessToken, refreshToken, expiresAt (ms) }
    refreshTimer: null,
    cities: [],
    city: null,
    box: null, // { minLat, minLng, maxLat, maxLng }
    socket: null,
    socketGeneration: 0,
    reconnectDelay: RECONNECT_MIN_MS,
    reconnectTimer: null,
    snapshot: null,
    snapshotCount: 0,
    history: [], // { t, requests, match, eta, p99, online }
    latencies: [], // { t, ms } of this page's API calls
    probeTimer: null,
    selectedTrip: null,
    inspectorTimer: null,
    inspectorGeneration: 0,
  };

  const $ = (id) => document.getElementById(id);
  const body = document.body;

  // ---- Start ----------------------------------------------------------------------------------

  document.addEventListener('DOMContentLoaded', start);

  function start() {
    $('sign-in-form').addEventListener('submit', onSignIn);
    $('sign-out').addEventListener('click', signOut);
    $('city').addEventListener('change', () => selectCity($('city').value));
    $('map').addEventListener('click', onMapClick);
    $('inspector-close').addEventListener('click', closeInspector);
    window.addEventListener('resize', () => {
      drawMap();
      drawSparklines();
    });

    const fragment = new URLSearchParams(window.location.hash.slice(1));
    const token = fragment.get('token');
    const city = fragment.get('city');
    if (token) {
      // Out of the address bar and the history: the fragment held a credential.
      const rest = city ? '#city=' + encodeURIComponent(city) : '';
      window.history.replaceState(null, '', window.location.pathname + rest);
      state.auth = { accessToken: token, refreshToken: null, expiresAt: tokenExpiry(token) };
      begin(city);
    } else {
      showSignIn('');
    }
  }

  // ---- Authentication ---------------------------------------------------------------------

  function showSignIn(message) {
    stopAll();
    state.auth = null;
    $('console').hidden = true;
    $('city-field').hidden = true;
    $('sign-out').hidden = true;
    $('sign-in').hidden = false;
    $('sign-in-error').textContent = message || '';
    setStatus('idle', 'Signed out');
  }

  async function onSignIn(event) {
    event.preventDefault();
    $('sign-in-error').textContent = '';
    try {
      const session = await request('POST', '/v1/sessions', {
        email: $('email').value.trim(),
        password: $('password').value,
      }, { anonymous: true });
      if (!session.user || session.user.role !== 'ADMIN') {
        $('sign-in-error').textContent = 'This account is not an admin: the console is for admins.';
        return;
      }
      $('password').value = '';
      adoptSession(session);
      const city = new URLSearchParams(window.location.hash.slice(1)).get('city');
      begin(city);
    } catch (error) {
      $('sign-in-error').textContent = error.message;
    }
  }

  function adoptSession(session) {
    state.auth = {
      accessToken: session.accessToken,
      refreshToken: session.refreshToken,
      expiresAt: Date.parse(session.accessTokenExpireTime) || tokenExpiry(session.accessToken),
    };
    scheduleRefresh();
  }

  function scheduleRefresh() {
    clearTimeout(state.refreshTimer);
    if (!state.auth || !state.auth.refreshToken || !state.auth.expiresAt) return;
    const wait = Math.max(5000, state.auth.expiresAt - Date.now() - REFRESH_MARGIN_MS);
    state.refreshTimer = setTimeout(() => {
      refreshSession().catch(() => showSignIn('The session ended; sign in again.'));
    }, wait);
  }

  // Exchanges the refresh token (each works once) for new tokens; the open stream keeps running
  // until its token expires, then reconnects with the new one.
  async function refreshSession() {
    if (!state.auth || !state.auth.refreshToken) throw new Error('no refresh token');
    const session = await request('POST', '/v1/sessions:refresh', { refreshToken: state.auth.refreshToken }, { anonymous: true });
    adoptSession(session);
  }

  async function signOut() {
    const refreshToken = state.auth && state.auth.refreshToken;
    showSignIn('');
    if (refreshToken) {
      try {
        await request('POST', '/v1/sessions:revoke', { refreshToken }, { anonymous: true });
      } catch (error) {
        // Signed out here either way; the refresh token lapses on its own.
      }
    }
  }

  // The `exp` claim of a JWT, in milliseconds (0 when unreadable).
  function tokenExpiry(token) {
    try {
      const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      const claims = JSON.parse(atob(payload + '='.repeat((4 - (payload.length % 4)) % 4)));
      return typeof claims.exp === 'number' ? claims.exp * 1000 : 0;
    } catch (error) {
      return 0;
    }
  }

  // ---- API calls ----------------------------------------------------------------------------

  // A JSON call to the platform on this host. Records its latency for the p99 counter; an error
  // reply becomes an Error with the API's message. A 401 refreshes the session once and retries.
  async function request(method, path, payload, options) {
    const opts = options || {};
    const headers = { Accept: 'application/json' };
    if (payload !== undefined) headers['Content-Type'] = 'application/json';
    if (!opts.anonymous && state.auth) headers.Authorization = 'Bearer ' + state.auth.accessToken;
    const started = performance.now();
    const response = await fetch(path, {
      method,
      headers,
      body: payload === undefined ? undefined : JSON.stringify(payload),
      cache: 'no-store',
    });
    recordLatency(performance.now() - started);
    const text = await response.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch (error) {
      json = null;
    }
    if (response.status === 401 && !opts.anonymous && !opts.retried && state.auth && state.auth.refreshToken) {
      await refreshSession();
      return request(method, path, payload, Object.assign({}, opts, { retried: true }));
    }
    if (!response.ok) {
      const message = json && json.error && json.error.message ? json.error.message : response.status + ' ' + response.statusText;
      const error = new Error(message);
      error.status = response.status;
      throw error;
    }
    return json;
  }

  function recordLatency(ms) {
    const now = Date.now();
    state.latencies.push({ t: now, ms });
    while (state.latencies.length && state.latencies[0].t < now - HISTORY_MS) state.latencies.shift();
  }

  // Nearest-rank p99 of this page's API calls in the last five minutes (null without samples).
  function p99Latency() {
    if (!state.latencies.length) return null;
    const sorted = state.latencies.map((sample) => sample.ms).sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)];
  }

  // ---- Cities -------------------------------------------------------------------------------

  async function begin(wantedCity) {
    $('sign-in').hidden = true;
    $('console').hidden = false;
    $('sign-out').hidden = false;
    setStatus('connecting', 'Loading cities…');
    try {
      const reply = await request('GET', '/v1/cities');
      state.cities = (reply && reply.cities) || [];
    } catch (error) {
      if (error.status === 401) {
        showSignIn('The access token was not accepted; sign in.');
      } else {
        setStatus('error', 'Cities could not be loaded: ' + error.message);
      }
      return;
    }
    const select = $('city');
    select.textContent = '';
    for (const city of state.cities) {
      const option = document.createElement('option');
      option.value = city.name;
      option.textContent = (city.displayName || city.name) + ' (' + city.name.replace(/^cities\//, '') + ')';
      select.appendChild(option);
    }
    $('city-field').hidden = state.cities.length === 0;
    if (!state.cities.length) {
      setStatus('idle', 'No cities yet: create one (POST /v1/cities) or run curbside simulate');
      return;
    }
    const wanted = wantedCity ? (wantedCity.startsWith('cities/') ? wantedCity : 'cities/' + wantedCity) : null;
    const chosen = state.cities.find((city) => city.name === wanted) || state.cities[0];
    select.value = chosen.name;
    selectCity(chosen.name);
    startProbe();
  }

  function selectCity(name) {
    const city = state.cities.find((candidate) => candidate.name === name);
    if (!city) return;
    state.city = city;
    state.box = cityBox(city);
    state.snapshot = null;
    state.history = [];
    closeInspector();
    window.history.replaceState(null, '', window.location.pathname + '#city=' + encodeURIComponent(name.replace(/^cities\//, '')));
    $('map-note').textContent = '';
    drawMap();
    drawSparklines();
    connect();
  }

  // The box around the city's service area (its centre and radius), within the stream's limit.
  function cityBox(city) {
    const center = city.center || { latitude: 0, longitude: 0 };
    const radiusKm = Math.min(Math.max(Number(city.radiusKm) || DEFAULT_RADIUS_KM, 0.5), MAX_RADIUS_KM);
    const dLat = radiusKm / KM_PER_DEGREE;
    const dLng = radiusKm / (KM_PER_DEGREE * Math.max(Math.cos((center.latitude * Math.PI) / 180), 0.05));
    const clampLat = (value) => Math.max(-90, Math.min(90, value));
    const clampLng = (value) => Math.max(-180, Math.min(180, value));
    return {
      minLat: clampLat(center.latitude - dLat),
      maxLat: clampLat(center.latitude + dLat),
      minLng: clampLng(center.longitude - dLng),
      maxLng: clampLng(center.longitude + dLng),
      center,
      radiusKm,
    };
  }

  // A light, real API call every few seconds (nearby search at the city's centre), so that the
  // p99 counter has samples even when nothing else is being asked.
  function startProbe() {
    clearInterval(state.probeTimer);
    state.probeTimer = setInterval(() => {
      if (!state.city || !state.auth) return;
      const center = state.box.center;
      request('GET', '/v1/nearbyDrivers?latitude=' + center.latitude + '&longitude=' + center.longitude + '&radiusMeters=2000')
        .catch(() => {
          // A failed probe still counted its time; the stream's state shows real trouble.
        });
    }, PROBE_INTERVAL_MS);
  }

  // ---- The stream ---------------------------------------------------------------------------

  function connect() {
    closeSocket();
    if (!state.auth || !state.box) return;
    const generation = ++state.socketGeneration;
    const box = state.box;
    const token = state.auth.accessToken;
    const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    const url = scheme + '//' + window.location.host + '/v1/ops/stream?access_token=' + encodeURIComponent(token) +
      '&bbox=' + [box.minLat, box.minLng, box.maxLat, box.maxLng].map((value) => value.toFixed(6)).join(',') +
      '&intervalMs=' + SNAPSHOT_INTERVAL_MS;
    setStatus('connecting', 'Connecting…');
    const socket = new WebSocket(url);
    state.socket = socket;
    socket.addEventListener('open', () => {
      if (generation !== state.socketGeneration) return;
      setStatus('live', 'Live');
    });
    socket.addEventListener('message', (event) => {
      if (generation !== state.socketGeneration) return;
      let message;
      try {
        message = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      if (message && message.type === 'snapshot') onSnapshot(message);
    });
    socket.addEventListener('close', (event) => {
      if (generation !== state.socketGeneration) return;
      state.socket = null;
      body.dataset.connected = 'false';
      onClose(event.code, event.reason, token);
    });
  }

  function closeSocket() {
    state.socketGeneration += 1;
    clearTimeout(state.reconnectTimer);
    if (state.socket) {
      try {
        state.socket.close(1000, 'leaving');
      } catch (error) {
        // Already closing.
      }
      state.socket = null;
    }
    body.dataset.connected = 'false';
  }

  function onClose(code, reason, token) {
    if (code === 4403) {
      setStatus('error', 'Refused: the stream is for admins');
      return;
    }
    if (code === 4400) {
      setStatus('error', 'Refused: ' + (reason || 'bad parameters'));
      return;
    }
    if (code === 4401) {
      // The stream outlived the token it was opened with; a refresh may already have replaced it.
      if (state.auth && state.auth.accessToken !== token && state.auth.expiresAt - Date.now() > 30000) {
        connect();
      } else if (state.auth && state.auth.refreshToken) {
        setStatus('connecting', 'Renewing the session…');
        refreshSession().then(connect, () => showSignIn('The session ended; sign in again.'));
      } else {
        showSignIn('The access token expired; sign in.');
      }
      return;
    }
    // Anything else (a restart, the network, a failed snapshot): try again, waiting longer each time.
    const delay = state.reconnectDelay * (0.75 + Math.random() * 0.5);
    state.reconnectDelay = Math.min(state.reconnectDelay * 2, RECONNECT_MAX_MS);
    setStatus('closed', 'Disconnected; retrying in ' + Math.round(delay / 1000) + ' s');
    state.reconnectTimer = setTimeout(connect, delay);
  }

  function onSnapshot(snapshot) {
    state.reconnectDelay = RECONNECT_MIN_MS;
    state.snapshot = snapshot;
    state.snapshotCount += 1;
    const counters = snapshot.counters || {};
    const now = Date.now();
    state.history.push({
      t: now,
      requests: numberOrNull(counters.requestsLastMinute),
      match: numberOrNull(counters.matchRate15m),
      eta: numberOrNull(counters.meanPickupEtaSeconds),
      p99: p99Latency(),
      online: numberOrNull(counters.onlineDrivers),
    });
    while (state.history.length && state.history[0].t < now - HISTORY_MS) state.history.shift();

    const drivers = snapshot.drivers || [];
    const trips = snapshot.trips || [];
    body.dataset.connected = 'true';
    body.dataset.driverCount = String(drivers.length);
    body.dataset.tripCount = String(trips.length);
    body.dataset.snapshotCount = String(state.snapshotCount);
    setStatus('live', 'Live · ' + drivers.length + ' drivers · ' + trips.length + ' trips · ' + formatClock(snapshot.time));
    const online = numberOrNull(counters.onlineDrivers);
    $('map-note').textContent = online !== null && online > drivers.length
      ? 'Showing the ' + drivers.length + ' most recently heard from of ' + online + ' online drivers.'
      : '';
    drawMap();
    updateCounters();
  }

  function numberOrNull(value) {
    return typeof value === 'number' && isFinite(value) ? value : null;
  }

  // ---- The map ------------------------------------------------------------------------------

  // Equirectangular projection of the city's box, fitted into the canvas with true proportions
  // (longitudes shrink by the cosine of the latitude).
  function projection(canvas) {
    const box = state.box;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    const kx = Math.cos((box.center.latitude * Math.PI) / 180);
    const spanX = (box.maxLng - box.minLng) * kx;
    const spanY = box.maxLat - box.minLat;
    const pad = 12;
    const scale = Math.min((width - 2 * pad) / spanX, (height - 2 * pad) / spanY);
    const offsetX = (width - spanX * scale) / 2;
    const offsetY = (height - spanY * scale) / 2;
    return {
      x: (lng) => offsetX + (lng - box.minLng) * kx * scale,
      y: (lat) => offsetY + (box.maxLat - lat) * scale,
      pixelsPerKm: scale / KM_PER_DEGREE,
    };
  }

  function prepareCanvas(canvas) {
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
    const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    const context = canvas.getContext('2d');
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, canvas.clientWidth, canvas.clientHeight);
    return context;
  }

  function drawMap() {
    const canvas = $('map');
    if (!canvas || $('console').hidden) return;
    const context = prepareCanvas(canvas);
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    context.fillStyle = COLORS.ground;
    context.fillRect(0, 0, width, height);
    if (!state.box) return;
    const project = projection(canvas);
    drawGrid(context, project, width, height);
    drawArea(context, project);
    const snapshot = state.snapshot;
    if (!snapshot) return;
    drawZones(context, project, snapshot.zones || []);
    drawTrips(context, project, snapshot.trips || []);
    drawDrivers(context, project, snapshot.drivers || []);
  }

  // A light grid with a round spacing (about eight lines across) and a scale bar.
  function drawGrid(context, project, width, height) {
    const box = state.box;
    const spanKm = (box.maxLat - box.minLat) * KM_PER_DEGREE;
    const steps = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20];
    const stepKm = steps.find((step) => spanKm / step <= 10) || 20;
    const stepLat = stepKm / KM_PER_DEGREE;
    const stepLng = stepKm / (KM_PER_DEGREE * Math.cos((box.center.latitude * Math.PI) / 180));
    context.strokeStyle = COLORS.grid;
    context.lineWidth = 1;
    context.beginPath();
    for (let lat = Math.ceil(box.minLat / stepLat) * stepLat; lat <= box.maxLat; lat += stepLat) {
      const y = Math.round(project.y(lat)) + 0.5;
      context.moveTo(0, y);
      context.lineTo(width, y);
    }
    for (let lng = Math.ceil(box.minLng / stepLng) * stepLng; lng <= box.maxLng; lng += stepLng) {
      const x = Math.round(project.x(lng)) + 0.5;
      context.moveTo(x, 0);
      context.lineTo(x, height);
    }
    context.stroke();
    const barPixels = stepKm * project.pixelsPerKm;
    context.strokeStyle = '#667085';
    context.fillStyle = '#667085';
    context.lineWidth = 2;
    context.beginPath();
    context.moveTo(16, height - 16);
    context.lineTo(16 + barPixels, height - 16);
    context.stroke();
    context.font = '11px system-ui, sans-serif';
    context.fillText(stepKm + ' km', 16, height - 22);
  }

  // The service area: the city's centre and radius.
  function drawArea(context, project) {
    const center = state.box.center;
    context.strokeStyle = COLORS.area;
    context.setLineDash([4, 4]);
    context.lineWidth = 1;
    context.beginPath();
    context.arc(project.x(center.longitude), project.y(center.latitude), state.box.radiusKm * project.pixelsPerKm, 0, 2 * Math.PI);
    context.stroke();
    context.setLineDash([]);
  }

  // Surge as a heat layer: each zone's cell, from clear (1.0×) through yellow to red (3.0× and up).
  function drawZones(context, project, zones) {
    for (const zone of zones) {
      const excess = Math.min(Math.max((zone.surge || 1) - 1, 0) / 2, 1);
      if (excess <= 0) continue;
      const hue = 50 - 46 * excess;
      context.fillStyle = 'hsla(' + hue + ', 90%, 50%, ' + (0.18 + 0.42 * excess).toFixed(3) + ')';
      const x = project.x(zone.west);
      const y = project.y(zone.north);
      context.fillRect(x, y, project.x(zone.east) - x, project.y(zone.south) - y);
    }
    context.font = '10px system-ui, sans-serif';
    context.fillStyle = '#7a271a';
    for (const zone of zones) {
      if ((zone.surge || 1) <= 1) continue;
      const x = project.x(zone.west);
      const y = project.y(zone.north);
      const w = project.x(zone.east) - x;
      if (w >= 34) context.fillText(zone.surge.toFixed(2) + '×', x + 3, y + 12);
    }
  }

  function drawTrips(context, project, trips) {
    for (const trip of trips) {
      const selected = trip.trip === state.selectedTrip;
      const color = selected ? COLORS.selected : trip.state === 'OPEN' ? COLORS.tripOpen : COLORS.tripAssigned;
      const x1 = project.x(trip.pickup.lng);
      const y1 = project.y(trip.pickup.lat);
      const x2 = project.x(trip.dropoff.lng);
      const y2 = project.y(trip.dropoff.lat);
      context.strokeStyle = color;
      context.globalAlpha = selected ? 1 : 0.7;
      context.lineWidth = selected ? 3 : 1.5;
      context.setLineDash(trip.state === 'OPEN' ? [5, 4] : []);
      context.beginPath();
      context.moveTo(x1, y1);
      context.lineTo(x2, y2);
      context.stroke();
      context.setLineDash([]);
      context.fillStyle = color;
      context.beginPath();
      context.arc(x1, y1, selected ? 5 : 3.5, 0, 2 * Math.PI);
      context.fill();
      context.fillRect(x2 - 3, y2 - 3, 6, 6);
      context.globalAlpha = 1;
    }
  }

  function drawDrivers(context, project, drivers) {
    const radius = drivers.length > 2000 ? 2 : 4;
    for (const driver of drivers) {
      context.fillStyle = COLORS[driver.state] || COLORS.STALE;
      context.beginPath();
      context.arc(project.x(driver.lng), project.y(driver.lat), radius, 0, 2 * Math.PI);
      context.fill();
      if (driver.trip && driver.trip === state.selectedTrip) {
        context.strokeStyle = COLORS.selected;
        context.lineWidth = 2;
        context.beginPath();
        context.arc(project.x(driver.lng), project.y(driver.lat), radius + 4, 0, 2 * Math.PI);
        context.stroke();
      }
    }
  }

  // A click picks the nearest driver on a trip or trip line within a few pixels.
  function onMapClick(event) {
    if (!state.snapshot || !state.box) return;
    const canvas = $('map');
    const rect = canvas.getBoundingClientRect();
    const x = event.clientX - rect.left;
    const y = event.clientY - rect.top;
    const project = projection(canvas);
    let best = null;
    let bestDistance = 10;
    for (const driver of state.snapshot.drivers || []) {
      if (!driver.trip) continue;
      const distance = Math.hypot(project.x(driver.lng) - x, project.y(driver.lat) - y);
      if (distance < bestDistance) {
        best = driver.trip;
        bestDistance = distance;
      }
    }
    for (const trip of state.snapshot.trips || []) {
      const distance = distanceToSegment(
        x, y, project.x(trip.pickup.lng), project.y(trip.pickup.lat), project.x(trip.dropoff.lng), project.y(trip.dropoff.lat));
      if (distance < bestDistance) {
        best = trip.trip;
        bestDistance = distance;
      }
    }
    if (best) inspect(best);
  }

  function distanceToSegment(px, py, ax, ay, bx, by) {
    const dx = bx - ax;
    const dy = by - ay;
    const lengthSquared = dx * dx + dy * dy;
    const t = lengthSquared === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / lengthSquared));
    return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
  }

  // ---- Counters and sparklines -----------------------------------------------------------

  const SERIES = [
    { key: 'requests', id: 'requests', format: (v) => String(Math.round(v)) },
    { key: 'match', id: 'match', format: (v) => (v * 100).toFixed(1) + ' %', min: 0, max: 1 },
    { key: 'eta', id: 'eta', format: formatSeconds, min: 0 },
    { key: 'p99', id: 'p99', format: (v) => Math.round(v) + ' ms', min: 0 },
    { key: 'online', id: 'online', format: (v) => String(Math.round(v)), min: 0 },
  ];

  function updateCounters() {
    const latest = state.history[state.history.length - 1];
    for (const series of SERIES) {
      const value = latest ? latest[series.key] : null;
      $('value-' + series.id).textContent = value === null || value === undefined ? '–' : series.format(value);
    }
    drawSparklines();
  }

  function drawSparklines() {
    const now = Date.now();
    for (const series of SERIES) {
      const canvas = $('spark-' + series.id);
      if (!canvas || $('console').hidden) continue;
      const context = prepareCanvas(canvas);
      const width = canvas.clientWidth;
      const height = canvas.clientHeight;
      const points = state.history.filter((entry) => entry[series.key] !== null);
      if (points.length < 2) continue;
      const values = points.map((entry) => entry[series.key]);
      const low = series.min !== undefined ? Math.min(series.min, ...values) : Math.min(...values);
      const high = Math.max(series.max !== undefined ? series.max : -Infinity, ...values, low + 1e-9);
      const x = (t) => ((t - (now - HISTORY_MS)) / HISTORY_MS) * (width - 2) + 1;
      const y = (v) => height - 2 - ((v - low) / (high - low)) * (height - 4);
      context.beginPath();
      points.forEach((entry, index) => {
        const px = x(entry.t);
        const py = y(entry[series.key]);
        if (index === 0) context.moveTo(px, py);
        else context.lineTo(px, py);
      });
      context.strokeStyle = '#2457d6';
      context.lineWidth = 1.5;
      context.stroke();
      context.lineTo(x(points[points.length - 1].t), height);
      context.lineTo(x(points[0].t), height);
      context.closePath();
      context.fillStyle = 'rgba(36, 87, 214, 0.1)';
      context.fill();
    }
  }

  // ---- Trip inspector ---------------------------------------------------------------------

  function inspect(tripName) {
    state.selectedTrip = tripName;
    $('inspector-title').textContent = tripName;
    $('inspector-close').hidden = false;
    $('inspector-hint').textContent = 'Loading…';
    $('inspector-hint').classList.remove('error');
    drawMap();
    loadInspector();
    clearInterval(state.inspectorTimer);
    state.inspectorTimer = setInterval(loadInspector, INSPECTOR_REFRESH_MS);
  }

  function closeInspector() {
    clearInterval(state.inspectorTimer);
    state.inspectorTimer = null;
    state.inspectorGeneration += 1;
    state.selectedTrip = null;
    $('inspector-title').textContent = 'Trip inspector';
    $('inspector-close').hidden = true;
    $('inspector-hint').textContent = 'Click a trip line or a driver on a trip.';
    $('inspector-hint').classList.remove('error');
    $('inspector-facts').textContent = '';
    $('timeline').textContent = '';
    drawMap();
  }

  async function loadInspector() {
    const tripName = state.selectedTrip;
    if (!tripName) return;
    const generation = ++state.inspectorGeneration;
    try {
      const [trip, offers] = await Promise.all([
        request('GET', '/v1/' + tripName),
        request('GET', '/v1/' + tripName + '/offers'),
      ]);
      if (generation !== state.inspectorGeneration) return;
      renderInspector(trip || {}, (offers && offers.offers) || []);
    } catch (error) {
      if (generation !== state.inspectorGeneration) return;
      $('inspector-hint').textContent = 'Could not load the trip: ' + error.message;
      $('inspector-hint').classList.add('error');
    }
  }

  function renderInspector(trip, offers) {
    $('inspector-hint').textContent = '';
    $('inspector-hint').classList.remove('error');
    const facts = $('inspector-facts');
    facts.textContent = '';
    const fact = (term, value) => {
      if (value === undefined || value === null || value === '') return;
      const dt = document.createElement('dt');
      dt.textContent = term;
      const dd = document.createElement('dd');
      dd.textContent = value;
      facts.appendChild(dt);
      facts.appendChild(dd);
    };
    fact('State', trip.state);
    fact('Class', trip.vehicleClass);
    fact('City', trip.city);
    fact('Passenger', trip.passenger);
    fact('Driver', trip.driver);
    if (trip.vehicle) fact('Vehicle', [trip.vehicle.color, trip.vehicle.make, trip.vehicle.model, trip.vehicle.licensePlate].filter(Boolean).join(' '));
    fact('Pickup ETA', trip.pickupEta);
    if (trip.quotedFare && trip.quotedFare.total) fact('Quoted fare', formatMoney(trip.quotedFare.total));

    const events = timelineEvents(trip, offers);
    const list = $('timeline');
    list.textContent = '';
    for (const entry of events) {
      const item = document.createElement('li');
      if (entry.kind) item.className = entry.kind;
      const time = document.createElement('time');
      time.dateTime = entry.time;
      time.textContent = formatClock(entry.time);
      item.appendChild(time);
      item.appendChild(document.createTextNode(entry.text));
      list.appendChild(item);
    }
  }

  // The trip's story, oldest first: request, each offer and its outcome, assignment, arrival,
  // start and the end.
  function timelineEvents(trip, offers) {
    const events = [];
    const add = (time, text, kind) => {
      if (time) events.push({ time, text, kind, at: Date.parse(time) });
    };
    add(trip.createTime, 'Requested' + (trip.vehicleClass ? ' (' + trip.vehicleClass + ')' : ''));
    offers.forEach((offer, index) => {
      const driver = shortName(offer.driver);
      add(offer.createTime, 'Offer ' + (index + 1) + ' to ' + driver + (offer.pickupEta ? ', pickup in ' + formatDuration(offer.pickupEta) : ''), 'pending');
      switch (offer.state) {
        case 'ACCEPTED': add(offer.closeTime, driver + ' accepted', 'done'); break;
        case 'DECLINED': add(offer.closeTime, driver + ' declined', 'bad'); break;
        case 'EXPIRED': add(offer.closeTime || offer.expireTime, 'Offer to ' + driver + ' expired unanswered', 'bad'); break;
        case 'WITHDRAWN': add(offer.closeTime, 'Offer to ' + driver + ' withdrawn', 'bad'); break;
        default: add(offer.createTime, 'Waiting for ' + driver + ' until ' + formatClock(offer.expireTime), 'pending');
      }
    });
    add(trip.assignTime, 'Driver assigned: ' + shortName(trip.driver), 'done');
    add(trip.arriveTime, 'Driver arrived at the pickup');
    add(trip.startTime, 'Ride started');
    const end = trip.endTime || trip.updateTime;
    if (trip.state === 'COMPLETED') {
      const fare = trip.receipt && trip.receipt.fare && trip.receipt.fare.total ? ', fare ' + formatMoney(trip.receipt.fare.total) : '';
      add(end, 'Completed' + fare, 'done');
    } else if (trip.state === 'CANCELLED') {
      const cancellation = trip.cancellation || {};
      const by = cancellation.cancelledBy ? ' by ' + cancellation.cancelledBy.toLowerCase() : '';
      const reason = cancellation.reason ? ': ' + cancellation.reason : '';
      const fee = cancellation.cancellationFee ? ' (fee ' + formatMoney(cancellation.cancellationFee) + ')' : '';
      add(end, 'Cancelled' + by + reason + fee, 'bad');
    } else if (trip.state === 'NO_DRIVER_FOUND') {
      add(end, 'No driver found', 'bad');
    }
    return events.sort((a, b) => a.at - b.at);
  }

  // ---- Formatting -------------------------------------------------------------------------

  function setStatus(kind, text) {
    const status = $('status');
    status.dataset.state = kind;
    status.textContent = text;
  }

  function formatClock(time) {
    const date = new Date(time);
    if (isNaN(date.getTime())) return '';
    return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }

  function formatSeconds(seconds) {
    const whole = Math.round(seconds);
    if (whole < 60) return whole + ' s';
    return Math.floor(whole / 60) + ' min' + (whole % 60 ? ' ' + (whole % 60) + ' s' : '');
  }

  // "240s" (a google.protobuf.Duration in JSON) as minutes and seconds.
  function formatDuration(text) {
    const seconds = parseFloat(text);
    return isFinite(seconds) ? formatSeconds(seconds) : text;
  }

  // google.type.Money: units (a string) and nanos.
  function formatMoney(money) {
    const value = Number(money.units || 0) + (money.nanos || 0) / 1e9;
    return value.toFixed(2) + ' ' + (money.currencyCode || '');
  }

  function shortName(name) {
    if (!name) return 'a driver';
    const id = name.split('/')[1] || name;
    return 'driver ' + id.slice(0, 8);
  }

  function stopAll() {
    closeSocket();
    clearTimeout(state.refreshTimer);
    clearInterval(state.probeTimer);
    clearInterval(state.inspectorTimer);
    state.snapshot = null;
    state.history = [];
    body.dataset.driverCount = '0';
    body.dataset.tripCount = '0';
  }
})();
