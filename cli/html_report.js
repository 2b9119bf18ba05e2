// Draws the HTML report (html_report.cpp inlines this script) from the JSON
// report embedded in the page (#report-data): header and verdict, the
// expectations table, charts over simulated time (version adoption, device
// states, rollout waves, requests to the cloud by kind, the requests not
// answered ok, attestation latency percentiles, faults and attacks), the
// breakdown by group and hardware revision, and the counters. A report of
// `fleetsim explore` ("command": "explore") is drawn by draw_explore instead:
// the exploration's header, failures and reproducers, and coverage.
//
// Every string of the report reaches the page through textContent or
// setAttribute, never as markup: a scenario's names cannot inject anything.
// No library and no fetch: the page works offline (its CSP forbids fetching).
'use strict';

(function () {
  // The SVG namespace, taken from an element the HTML parser made, so that
  // the page holds no URL at all (the namespace is a name, never fetched).
  const SVG_NS = (function () {
    const probe = document.createElement('div');
    probe.innerHTML = '<svg/>';  // a constant: no data goes through innerHTML
    return probe.firstChild.namespaceURI;
  })();

  // Okabe-Ito: told apart by colour-blind readers too.
  const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];
  const STATE_COLOURS = {
    off: '#b8bec9', running: '#56B4E9', trial: '#E69F00', attested: '#009E73', bricked: '#D55E00',
  };
  const STATE_ORDER = ['off', 'running', 'trial', 'attested', 'bricked'];
  const STATE_MEANING = {
    off: 'off', running: 'running, no certificate', trial: 'trial boot, not yet committed',
    attested: 'running with a certificate', bricked: 'bricked',
  };
  const ROLLOUT_COLOURS = {
    scheduled: '#9aa3b2', running: '#0072B2', paused: '#E69F00', completed: '#009E73',
    halted: '#D55E00', aborted: '#D55E00', rollback_requested: '#D55E00',
  };
  const STOPPED_STATES = new Set(['halted', 'aborted', 'rollback_requested']);
  const FAULT_COLOUR = '#E69F00';
  const ATTACK_COLOUR = '#CC79A7';
  const NOT_BOOTED = '0.0.0';  // the timeline's version of a device before its first boot
  const HISTORY_MAX = 256;     // transitions a rollout controller keeps (cloud::history_max)
  const LANE_HEADER = 22;      // a deployment's name line above its lane

  // One geometry for every time chart, so that their time axes line up.
  const WIDTH = 960;
  const MARGIN = { left: 150, right: 28, top: 24, bottom: 36 };
  const SLIVER_PX = 2.5;  // the thinnest band drawn as it is; thinner ones get a line

  // ---- small DOM helpers ------------------------------------------------

  function html(tag, attributes, ...children) {
    const e = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) e.setAttribute(name, String(value));
    for (const child of children) {
      if (child === null || child === undefined) continue;
      e.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
    }
    return e;
  }

  function svg(tag, attributes, text) {
    const e = document.createElementNS(SVG_NS, tag);
    for (const [name, value] of Object.entries(attributes || {})) e.setAttribute(name, String(value));
    if (text !== undefined) e.textContent = String(text);
    return e;
  }

  /// A hover text for an SVG mark.
  function tooltip(mark, text) {
    mark.append(svg('title', {}, text));
    return mark;
  }

  function swatch(colour) {
    const s = html('span', { class: 'swatch', 'aria-hidden': 'true' });
    s.style.background = colour;
    return s;
  }

  function legend(entries) {
    return html('ul', { class: 'legend' },
      ...entries.map(([colour, label]) => html('li', {}, swatch(colour), label)));
  }

  // ---- numbers and simulated time ---------------------------------------

  function count(n) { return Number(n).toLocaleString('en-US'); }

  const UNITS = [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]];

  /// Simulated seconds as "1d12h", "45m", "0s".
  function sim_time(seconds) {
    let rest = Math.round(seconds);
    if (rest <= 0) return seconds > 0 ? (seconds * 1000).toFixed(0) + 'ms' : '0s';
    let text = '';
    for (const [unit, size] of UNITS) {
      const n = Math.floor(rest / size);
      if (n > 0) text += n + unit;
      rest -= n * size;
    }
    return text;
  }

  /// A round step for about `ticks_max` ticks over [0, end] seconds.
  function time_step(end, ticks_max) {
    const steps = [1, 5, 10, 30, 60, 300, 600, 1800, 3600, 7200, 10800, 21600, 43200,
      86400, 172800, 345600, 604800, 1209600, 2592000];
    for (const step of steps) if (end / step <= ticks_max) return step;
    let step = steps[steps.length - 1];
    while (end / step > ticks_max) step *= 2;
    return step;
  }

  /// A 1-2-5 step for about five ticks over [0, max], whole numbers.
  function count_step(max) {
    const raw = Math.max(max / 5, 1);
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    for (const m of [1, 2, 5, 10]) if (raw <= m * power) return m * power;
    return 10 * power;
  }

  /// "1.10.0" after "1.9.0": versions compared part by part, as numbers.
  function by_version(a, b) {
    const pa = a.split('.').map(Number), pb = b.split('.').map(Number);
    for (let i = 0; i < Math.max(pa.length, pb.length); ++i) {
      const d = (pa[i] || 0) - (pb[i] || 0);
      if (d !== 0 && !Number.isNaN(d)) return d;
    }
    return a < b ? -1 : a > b ? 1 : 0;
  }

  // ---- chart frames -----------------------------------------------------

  /// An <svg> with its accessible title and description; the caller draws in it.
  function chart_svg(id, height, title, description) {
    const root = svg('svg', {
      id: id, class: 'chart', viewBox: `0 0 ${WIDTH} ${height}`, role: 'img',
      'aria-labelledby': `${id}-title ${id}-desc`,
    });
    root.append(svg('title', { id: `${id}-title` }, title), svg('desc', { id: `${id}-desc` }, description));
    return root;
  }

  /// The time axis along `y`, from 0 to `end` seconds; returns the x scale.
  function draw_time_axis(root, end, y, grid_top) {
    const x = (s) => MARGIN.left + (Math.min(Math.max(s, 0), end) / end) * (WIDTH - MARGIN.left - MARGIN.right);
    root.append(svg('line', { class: 'axis', x1: MARGIN.left, y1: y, x2: WIDTH - MARGIN.right, y2: y }));
    const step = time_step(end, 10);
    for (let t = 0; t <= end + 1e-9; t += step) {
      if (grid_top !== undefined) root.append(svg('line', { class: 'grid', x1: x(t), y1: grid_top, x2: x(t), y2: y }));
      root.append(svg('line', { class: 'tick', x1: x(t), y1: y, x2: x(t), y2: y + 5 }));
      root.append(svg('text', { x: x(t), y: y + 18, 'text-anchor': 'middle' }, sim_time(t)));
    }
    root.append(svg('text', { x: WIDTH - MARGIN.right, y: y + 32, 'text-anchor': 'end' }, 'simulated time'));
    return x;
  }

  /// Grid lines and counts up the y axis, from 0 to `y_max` (y: the scale).
  function draw_count_axis(root, y, y_max) {
    const step = count_step(y_max);
    for (let n = 0; n <= y_max + 1e-9; n += step) {
      root.append(svg('line', { class: 'grid', x1: MARGIN.left, y1: y(n), x2: WIDTH - MARGIN.right, y2: y(n) }));
      root.append(svg('text', { x: MARGIN.left - 8, y: y(n) + 4, 'text-anchor': 'end' }, count(n)));
    }
  }

  /// A dashed line where an interrupted run stopped.
  function draw_stop_line(root, x, report, top, bottom) {
    if (report.complete) return;
    const at = x(report.sim_seconds);
    root.append(tooltip(svg('line', { class: 'stopped', x1: at, y1: top, x2: at, y2: bottom }),
      `the run was interrupted at ${sim_time(report.sim_seconds)}`));
    root.append(svg('text', { x: at + 4, y: top + 10 }, 'interrupted'));
  }

  function none_note(text) { return html('p', { class: 'note' }, text); }

  function card(id, heading, caption, ...content) {
    return html('section', { class: 'card', id: id }, html('h2', {}, heading),
      caption ? html('p', { class: 'caption' }, caption) : null, ...content);
  }

  function end_of(report) {
    return Math.max(report.duration_seconds || 0, report.sim_seconds || 0,
      ...report.timeline.map((p) => p.at_seconds), 1);
  }

  // ---- stacked areas over the timeline ----------------------------------

  /// Devices per key (version or state) over time, stacked in `keys` order.
  function stacked_area_chart(report, spec) {
    const points = report.timeline.slice().sort((a, b) => a.at_seconds - b.at_seconds);
    if (points.length < 2 || spec.keys.length === 0) return none_note('No timeline in this report.');
    const height = 300, bottom = height - MARGIN.bottom;
    const totals = points.map((p) => spec.keys.reduce((sum, k) => sum + (spec.value(p, k) || 0), 0));
    const y_max = Math.max(report.devices || 0, ...totals, 1);
    const y = (n) => bottom - (n / y_max) * (bottom - MARGIN.top);
    const root = chart_svg(spec.id, height, spec.title, spec.description);
    draw_count_axis(root, y, y_max);
    root.append(svg('text', { x: MARGIN.left - 8, y: MARGIN.top - 12, 'text-anchor': 'end' }, 'devices'));
    const end = end_of(report);
    const x = draw_time_axis(root, end, bottom);

    const below = points.map(() => 0);
    const peaks = new Map();  // key -> its largest count and when
    for (const key of spec.keys) {
      const above = points.map((p, i) => below[i] + (spec.value(p, key) || 0));
      const peak = points.reduce((best, p) => ((spec.value(p, key) || 0) > best.n ? { n: spec.value(p, key), at: p.at_seconds } : best),
        { n: 0, at: 0 });
      peaks.set(key, peak);
      const top_edge = points.map((p, i) => `${x(p.at_seconds).toFixed(1)},${y(above[i]).toFixed(1)}`);
      const bottom_edge = points.map((p, i) => `${x(p.at_seconds).toFixed(1)},${y(below[i]).toFixed(1)}`).reverse();
      const last = spec.value(points[points.length - 1], key) || 0;
      root.append(tooltip(svg('path', {
        class: 'mark area', 'data-key': key, fill: spec.colour(key), 'fill-opacity': 0.85,
        stroke: spec.colour(key), 'stroke-width': 0.5,
        d: `M${top_edge.join('L')}L${bottom_edge.join('L')}Z`,
      }), `${spec.label(key)}: ${count(last)} devices at ${sim_time(points[points.length - 1].at_seconds)}`));
      // A band thinner than SLIVER_PX at its widest (29 devices of 10,000)
      // would be invisible: its top edge is drawn as a line over it.
      const thickest = Math.max(...points.map((p, i) => y(below[i]) - y(above[i])));
      if (peak.n > 0 && thickest < SLIVER_PX) {
        root.append(tooltip(svg('path', {
          class: 'mark sliver', 'data-key': key, fill: 'none', stroke: spec.colour(key), 'stroke-width': SLIVER_PX,
          d: `M${top_edge.join('L')}`,
        }), `${spec.label(key)}: at most ${count(peak.n)} devices (${sim_time(peak.at)})`));
      }
      above.forEach((v, i) => { below[i] = v; });
    }
    draw_stop_line(root, x, report, MARGIN.top, bottom);
    // The devices at the end, and a key's peak when it had more before (a
    // version rolled back shows 0 at the end).
    const at_end = (k) => {
      const last = spec.value(points[points.length - 1], k) || 0, peak = peaks.get(k);
      return `${spec.label(k)}: ${count(last)}` + (peak.n > last ? ` (peak ${count(peak.n)} at ${sim_time(peak.at)})` : '');
    };
    return html('div', {}, root, legend(spec.keys.map((k) => [spec.colour(k), at_end(k)])));
  }

  function keys_of(report, field) {
    const keys = new Set();
    for (const p of report.timeline) for (const k of Object.keys(p[field] || {})) keys.add(k);
    return [...keys];
  }

  function last_census(report, field, label) {
    const last = report.timeline[report.timeline.length - 1];
    if (!last) return 'No timeline.';
    const parts = Object.entries(last[field] || {}).map(([k, n]) => `${label(k)}: ${count(n)}`);
    return `At ${sim_time(last.at_seconds)}: ${parts.join(', ')}.`;
  }

  function adoption_chart(report) {
    const versions = keys_of(report, 'app_versions').sort(by_version);
    const colour_of = new Map();
    let next = 0;
    for (const v of versions) colour_of.set(v, v === NOT_BOOTED ? '#d7dbe2' : PALETTE[next++ % PALETTE.length]);
    const label = (v) => (v === NOT_BOOTED ? `${v} (not booted yet)` : v);
    return stacked_area_chart(report, {
      id: 'chart-adoption', keys: versions, value: (p, k) => (p.app_versions || {})[k],
      colour: (k) => colour_of.get(k), label: label,
      title: 'Devices per running app version over simulated time',
      description: 'Stacked areas, one per app version. ' + last_census(report, 'app_versions', label),
    });
  }

  function states_chart(report) {
    const states = keys_of(report, 'states').sort((a, b) => {
      const ia = STATE_ORDER.indexOf(a), ib = STATE_ORDER.indexOf(b);
      return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || (a < b ? -1 : 1);
    });
    const label = (s) => STATE_MEANING[s] || s;
    return stacked_area_chart(report, {
      id: 'chart-states', keys: states, value: (p, k) => (p.states || {})[k],
      colour: (k) => STATE_COLOURS[k] || PALETTE[states.indexOf(k) % PALETTE.length], label: label,
      title: 'Devices per state over simulated time',
      description: 'Stacked areas, one per device state. ' + last_census(report, 'states', label),
    });
  }

  // ---- rollout waves ----------------------------------------------------

  /// The state and open wave of a deployment over time, as segments.
  function rollout_segments(deployment, end) {
    const transitions = deployment.transitions || [];
    // When the controller's bounded history dropped the oldest changes, the
    // line starts at the oldest one kept rather than guessing before it.
    const truncated = transitions.length >= HISTORY_MAX;
    const segments = [];
    let from = truncated ? transitions[0].at_seconds : 0, wave = 0, state = 'scheduled';
    for (const t of transitions) {
      segments.push({ from: from, to: t.at_seconds, wave: wave, state: state, previous_wave: segments.length ? segments[segments.length - 1].wave : wave });
      from = t.at_seconds;
      state = t.state;
      wave = t.state === 'scheduled' ? 0 : t.wave;
    }
    segments.push({ from: from, to: end, wave: wave, state: state, previous_wave: segments.length ? segments[segments.length - 1].wave : wave });
    return { segments: segments.slice(truncated ? 1 : 0), truncated: truncated };
  }

  function rollout_chart(report) {
    const deployments = report.deployments || [];
    if (deployments.length === 0) return none_note('No deployments in this run.');
    const end = end_of(report);
    const lanes = deployments.map((d) => {
      const waves = Math.max(d.waves_opened || 0, 1, ...(d.transitions || []).map((t) => t.wave));
      return { deployment: d, waves: waves, height: LANE_HEADER + Math.max(60, 20 + 30 * waves) };
    });
    const gap = 14;
    const lanes_height = lanes.reduce((sum, l) => sum + l.height, 0) + gap * (lanes.length - 1);
    const height = MARGIN.top + lanes_height + MARGIN.bottom;
    const stops = deployments.filter((d) => STOPPED_STATES.has(d.state)).map((d) => `${d.name} ${d.state}`);
    const root = chart_svg('chart-rollout', height, 'Open rollout wave of each deployment over simulated time',
      `${deployments.length} deployment(s). ` + (stops.length ? `Stopped: ${stops.join(', ')}.` : 'None halted or aborted.'));
    const x = draw_time_axis(root, end, MARGIN.top + lanes_height, MARGIN.top);
    const notes = [];

    let top = MARGIN.top;
    for (const lane of lanes) {
      const d = lane.deployment;
      const bottom = top + lane.height - 8;
      const y = (wave) => bottom - (wave / lane.waves) * (lane.height - LANE_HEADER - 16);
      const heading = svg('text', { class: 'lane-label', x: MARGIN.left, y: top + 12 });
      heading.append(svg('tspan', { 'font-weight': 600 }, d.name),
        svg('tspan', {}, ` \u2014 ${d.state}, ${count(d.devices)} devices, ${d.waves_opened} wave(s) opened`));
      root.append(heading);
      for (let w = 0; w <= lane.waves; ++w) {
        root.append(svg('line', { class: 'grid', x1: MARGIN.left, y1: y(w), x2: WIDTH - MARGIN.right, y2: y(w) }));
        root.append(svg('text', { x: MARGIN.left - 8, y: y(w) + 4, 'text-anchor': 'end' }, w === 0 ? 'not started' : `wave ${w}`));
      }
      const { segments, truncated } = rollout_segments(d, end);
      if (truncated) notes.push(`${d.name}: the controller keeps its last ${HISTORY_MAX} changes; the line starts at the oldest kept.`);
      for (const s of segments) {
        const colour = ROLLOUT_COLOURS[s.state] || '#000000';
        const dashed = s.state === 'paused' || s.state === 'scheduled' || STOPPED_STATES.has(s.state);
        root.append(tooltip(svg('path', {
          class: 'mark step', fill: 'none', stroke: colour, 'stroke-width': 2.5,
          'stroke-dasharray': dashed ? '6 4' : 'none',
          d: `M${x(s.from).toFixed(1)},${y(s.previous_wave).toFixed(1)}L${x(s.from).toFixed(1)},${y(s.wave).toFixed(1)}` +
             `L${x(s.to).toFixed(1)},${y(s.wave).toFixed(1)}`,
        }), `${d.name}: ${s.state}${s.wave ? ', wave ' + s.wave : ''} from ${sim_time(s.from)} to ${sim_time(s.to)}`));
      }
      for (const t of d.transitions || []) {
        const cx = x(t.at_seconds), cy = y(t.state === 'scheduled' ? 0 : t.wave);
        const text = `${sim_time(t.at_seconds)}: ${t.state}, wave ${t.wave} (${t.reason})`;
        if (STOPPED_STATES.has(t.state)) {
          root.append(tooltip(svg('path', {
            class: 'mark transition stop', fill: 'none', stroke: ROLLOUT_COLOURS[t.state], 'stroke-width': 3,
            d: `M${cx - 7},${cy - 7}L${cx + 7},${cy + 7}M${cx - 7},${cy + 7}L${cx + 7},${cy - 7}`,
          }), text));
          // Beside the cross, on the side away from the lane's heading and the chart's edge.
          const left = cx > WIDTH - 260, below = 2 * t.wave >= lane.waves;
          root.append(svg('text', {
            x: left ? cx - 12 : cx + 12, y: below ? cy + 18 : cy - 10, 'text-anchor': left ? 'end' : 'start',
            fill: ROLLOUT_COLOURS[t.state],
          }, `${t.state} at ${sim_time(t.at_seconds)} (${t.reason})`));
        } else {
          root.append(tooltip(svg('circle', {
            class: 'mark transition', cx: cx.toFixed(1), cy: cy.toFixed(1), r: 4,
            fill: ROLLOUT_COLOURS[t.state] || '#000000', stroke: '#ffffff', 'stroke-width': 1,
          }), text));
        }
      }
      top += lane.height + gap;
    }
    draw_stop_line(root, x, report, MARGIN.top, MARGIN.top + lanes_height);
    return html('div', {}, root,
      legend([['#0072B2', 'running'], ['#E69F00', 'paused (dashed)'], ['#009E73', 'completed'],
        ['#D55E00', 'halted, aborted or rollback requested (\u2715, dashed after)']]),
      ...notes.map((n) => none_note(n)), deployments_table(deployments));
  }

  function deployments_table(deployments) {
    const columns = ['devices', 'waves_opened', 'notified', 'succeeded', 'failed', 'rejected', 'timed_out',
      'failed_after_commit', 'rolled_back'];
    // rolled_back: devices that committed the rollback image the cloud offered.
    const value = (d, c) => (c === 'rolled_back' ? (d.rollback || {}).committed : d[c]) || 0;
    return html('table', { id: 'deployments' },
      html('thead', {}, html('tr', {}, html('th', {}, 'Deployment'), html('th', {}, 'State'),
        ...columns.map((c) => html('th', { class: 'number' }, c.split('_').join(' '))))),
      html('tbody', {}, ...deployments.map((d) => html('tr', {},
        html('td', {}, d.name), html('td', { class: STOPPED_STATES.has(d.state) ? 'alarm' : '' }, d.state),
        ...columns.map((c) => html('td', { class: 'number' }, count(value(d, c))))))));
  }

  // ---- faults and attacks -----------------------------------------------

  function events_chart(report) {
    const events = [
      ...(report.faults || []).map((f) => ({ kind_of: 'fault', colour: FAULT_COLOUR, e: f,
        what: `${f.kind}; ` + (f.kind === 'cloud_outage' ? `${count(f.requests_dropped || 0)} requests dropped`
          : `${count(f.devices_hit)} devices hit`) + (f.spells ? `, ${count(f.spells)} spells` : '') +
          (f.armed ? `, ${torn_writes(f)}` : '') })),
      ...(report.attacks || []).map((a) => ({ kind_of: 'attack', colour: ATTACK_COLOUR, e: a,
        what: `${a.kind}; ${count(a.tried)} tried, ${count(a.stopped)} stopped, ${count(a.got_through)} got through, ` +
              `${count(a.certificates)} certificates` })),
    ];
    if (events.length === 0) return none_note('No faults and no attacks in this run.');
    const row = 28;
    const height = MARGIN.top + row * events.length + MARGIN.bottom;
    const bottom = MARGIN.top + row * events.length;
    const end = end_of(report);
    const root = chart_svg('chart-events', height, 'Faults and attacks over simulated time',
      events.map((v) => `${v.kind_of} ${v.e.name} at ${sim_time(v.e.at_seconds)}` +
        (v.e.duration_seconds > 0 ? ` for ${sim_time(v.e.duration_seconds)}` : '')).join('; ') + '.');
    const x = draw_time_axis(root, end, bottom, MARGIN.top);
    events.forEach((v, i) => {
      const mid = MARGIN.top + row * i + row / 2;
      const e = v.e;
      // Whole, ending at the plot: a long name reaches left, and the chart
      // is fitted to it (fit_to_content) rather than the name cut.
      const label = tooltip(svg('text', { class: 'lane-label', x: MARGIN.left - 10, y: mid + 4, 'text-anchor': 'end' }, e.name),
        `${v.kind_of}: ${e.name}`);
      root.append(label);
      const when = e.duration_seconds > 0 ? `from ${sim_time(e.at_seconds)} for ${sim_time(e.duration_seconds)}`
        : `at ${sim_time(e.at_seconds)}`;
      const text = `${v.kind_of} ${e.name}: ${when}; ${v.what}`;
      if (e.at_seconds > end) return;  // after an interrupted run's end: in the table only
      if (e.duration_seconds > 0) {
        const x0 = x(e.at_seconds), x1 = x(e.at_seconds + e.duration_seconds);
        root.append(tooltip(svg('rect', {
          class: 'mark event', x: x0.toFixed(1), y: mid - 8, width: Math.max(x1 - x0, 2).toFixed(1), height: 16,
          rx: 3, fill: v.colour,
        }), text));
      } else {
        const cx = x(e.at_seconds);
        root.append(tooltip(svg('path', {
          class: 'mark event instant', fill: v.colour, stroke: '#ffffff', 'stroke-width': 1,
          d: `M${cx.toFixed(1)},${mid - 9}L${(cx + 7).toFixed(1)},${mid}L${cx.toFixed(1)},${mid + 9}L${(cx - 7).toFixed(1)},${mid}Z`,
        }), text));
      }
    });
    draw_stop_line(root, x, report, MARGIN.top, bottom);
    return html('div', {}, root,
      legend([[FAULT_COLOUR, 'fault'], [ATTACK_COLOUR, 'attack']]),
      faults_table(report.faults || []), attacks_table(report.attacks || []));
  }

  function simple_table(id, headings, rows) {
    if (rows.length === 0) return null;
    return html('table', { id: id },
      html('thead', {}, html('tr', {}, ...headings.map(([h, numeric]) => html('th', numeric ? { class: 'number' } : {}, h)))),
      html('tbody', {}, ...rows.map((cells) => html('tr', {}, ...cells.map(([text, cls]) => html('td', cls ? { class: cls } : {}, text))))));
  }

  // A power loss at a flash write only arms a tear: it acted where a write came.
  function torn_writes(f) {
    return `${count(f.armed)} armed for a torn write, ${count(f.writes_torn)} tore`;
  }

  function faults_table(faults) {
    return simple_table('faults',
      [['Fault'], ['Kind'], ['At'], ['For'], ['Devices hit', true], ['Requests dropped', true], ['Spells', true],
        ['Torn writes']],
      // An outage hits the cloud, not devices: what it did is the requests it dropped.
      faults.map((f) => {
        const outage = f.kind === 'cloud_outage';
        return [[f.name], [f.kind], [sim_time(f.at_seconds)],
          [f.duration_seconds > 0 ? sim_time(f.duration_seconds) : 'instant'],
          [outage ? '\u2014' : count(f.devices_hit), 'number'],
          [outage ? count(f.requests_dropped || 0) : '', 'number'],
          [f.spells ? count(f.spells) : '', 'number'], [f.armed ? torn_writes(f) : '']];
      }));
  }

  function attacks_table(attacks) {
    const bad = (n) => (n > 0 ? 'number alarm' : 'number');
    // The checks that stopped it, most first: which layer held, not only that one did.
    const stopped_by = (a) => Object.entries(a.stopped_by || {}).sort((x, y) => y[1] - x[1])
      .map(([check, n]) => `${check} ${count(n)}`).join(', ');
    const victims = (a) => (a.victims > 0 ? `${count(a.victims_attested)} of ${count(a.victims)}` : '');
    return simple_table('attacks',
      [['Attack'], ['Kind'], ['At'], ['For'], ['Tried', true], ['Stopped', true], ['Stopped by'], ['Got through', true],
       ['Certificates', true], ['Victims attested at the end', true]],
      attacks.map((a) => [[a.name], [a.kind], [sim_time(a.at_seconds)],
        [a.duration_seconds > 0 ? sim_time(a.duration_seconds) : 'one burst'], [count(a.tried), 'number'],
        [count(a.stopped), 'number'], [stopped_by(a)], [count(a.got_through), bad(a.got_through)],
        [count(a.certificates), bad(a.certificates)],
        [victims(a), a.victims > a.victims_attested ? 'number alarm' : 'number']]));
  }

  // ---- requests to the cloud and attestation latency ---------------------

  const KIND_COLOURS = {
    challenge: '#0072B2', evidence: '#56B4E9', update_check: '#009E73', chunk: '#E69F00',
    update_result: '#CC79A7', telemetry: '#F0E442', other: '#9aa3b2',
  };
  const ANSWER_COLOURS = { error: '#D55E00', dropped: '#E69F00', unanswered: '#CC79A7' };
  const ANSWER_MEANING = {
    error: 'refused (an Error reply)', dropped: 'dropped by an outage', unanswered: 'not answered',
  };
  const COLUMNS_MAX = 600;  // drawn columns at most: wider ones sum several buckets

  /// The report's buckets summed into at most COLUMNS_MAX columns of whole buckets.
  function columns_of(throughput) {
    const per = Math.max(1, Math.ceil(throughput.buckets / COLUMNS_MAX));
    const width = per * throughput.bucket_seconds;
    const n = Math.ceil(throughput.buckets / per);
    const sum = (counts) => {
      const out = new Array(n).fill(0);
      counts.forEach((c, b) => { out[Math.floor(b / per)] += c; });
      return out;
    };
    return { n: n, width: width, sum: sum };
  }

  /// Stacked step areas of `layers` ({key, label, colour, values}) per column.
  function stacked_columns_chart(report, spec) {
    const { columns, layers } = spec;
    const height = 280, bottom = height - MARGIN.bottom;
    const totals = new Array(columns.n).fill(0);
    for (const l of layers) l.values.forEach((v, i) => { totals[i] += v; });
    const y_max = Math.max(...totals, 1);
    const y = (n) => bottom - (n / y_max) * (bottom - MARGIN.top);
    const root = chart_svg(spec.id, height, spec.title, spec.description);
    draw_count_axis(root, y, y_max);
    root.append(svg('text', { x: MARGIN.left, y: MARGIN.top - 10, 'text-anchor': 'start' },
      `${spec.unit} per ${sim_time(columns.width)}`));
    const x = draw_time_axis(root, end_of(report), bottom);
    const below = new Array(columns.n).fill(0);
    for (const l of layers) {
      const top_edge = [], bottom_edge = [];
      for (let i = 0; i < columns.n; ++i) {
        const x0 = x(i * columns.width).toFixed(1), x1 = x((i + 1) * columns.width).toFixed(1);
        const above = below[i] + l.values[i];
        top_edge.push(`${x0},${y(above).toFixed(1)}`, `${x1},${y(above).toFixed(1)}`);
        bottom_edge.push(`${x0},${y(below[i]).toFixed(1)}`, `${x1},${y(below[i]).toFixed(1)}`);
        below[i] = above;
      }
      root.append(tooltip(svg('path', {
        // Filled, not stroked: a stroke would draw a layer's empty columns as a line along the others.
        class: 'mark area', 'data-key': l.key, fill: l.colour, 'fill-opacity': 0.9,
        d: `M${top_edge.join('L')}L${bottom_edge.reverse().join('L')}Z`,
      }), `${l.label}: ${count(l.total)} ${spec.unit} over the run, at most ${count(Math.max(...l.values))} in ${sim_time(columns.width)}`));
    }
    draw_stop_line(root, x, report, MARGIN.top, bottom);
    return html('div', {}, root, legend(layers.map((l) => [l.colour, `${l.label}: ${count(l.total)}`])));
  }

  function requests_chart(report) {
    const t = report.throughput;
    if (!t || t.requests === 0) return none_note('No request reached the cloud in this run.');
    const columns = columns_of(t);
    const layers = t.kinds.map((kind) => {
      const series = t.series.filter((s) => s.kind === kind);
      const values = new Array(columns.n).fill(0);
      for (const s of series) columns.sum(s.counts).forEach((v, i) => { values[i] += v; });
      return { key: kind, label: kind.replace(/_/g, ' '), colour: KIND_COLOURS[kind] || '#000000', values: values,
        total: series.reduce((sum, s) => sum + s.total, 0) };
    }).filter((l) => l.total > 0);
    const peak = t.peak_minute || { requests: 0, at_seconds: 0 };
    return stacked_columns_chart(report, {
      id: 'chart-requests', columns: columns, layers: layers, unit: 'requests',
      title: 'Requests reaching the cloud over simulated time, by kind',
      description: `Stacked areas, one per kind of request. ${count(t.requests)} requests; the busiest minute ` +
        `had ${count(peak.requests)} at ${sim_time(peak.at_seconds)}.`,
    });
  }

  function errors_chart(report) {
    const t = report.throughput;
    if (!t) return none_note('This report has no throughput.');
    const answers = t.answers.filter((a) => a !== 'ok');
    const not_ok = answers.reduce((sum, a) => sum + (t.by_answer[a] || 0), 0);
    if (not_ok === 0) return none_note('No request was refused, dropped or left unanswered.');
    const columns = columns_of(t);
    const layers = answers.map((answer) => {
      const series = t.series.filter((s) => s.answer === answer);
      const values = new Array(columns.n).fill(0);
      for (const s of series) columns.sum(s.counts).forEach((v, i) => { values[i] += v; });
      return { key: answer, label: ANSWER_MEANING[answer] || answer, colour: ANSWER_COLOURS[answer] || '#000000',
        values: values, total: t.by_answer[answer] || 0 };
    }).filter((l) => l.total > 0);
    return stacked_columns_chart(report, {
      id: 'chart-errors', columns: columns, layers: layers, unit: 'requests',
      title: 'Requests the cloud refused, dropped or left unanswered over simulated time',
      description: `Stacked areas, one per answer. ${count(not_ok)} of ${count(t.requests)} requests were not answered ok.`,
    });
  }

  /// Milliseconds as "85 ms", "2.4 s", "3m20s".
  function latency(ms) {
    if (ms === null || ms === undefined) return '';
    if (ms < 1000) return `${ms < 10 ? Number(ms).toFixed(1) : Math.round(ms)}\u00a0ms`;
    if (ms < 60000) return `${Number((ms / 1000).toFixed(1))}\u00a0s`;
    return sim_time(ms / 1000);
  }

  const LATENCY_KEYS = [['p50_ms', 'p50', '#0072B2'], ['p95_ms', 'p95', '#009E73'], ['p99_ms', 'p99', '#D55E00']];
  // The latency chart's ticks, in ms: 1 ms to a day (the histogram's last bound).
  const LATENCY_TICKS = [1, 10, 100, 1000, 10000, 60000, 600000, 3600000, 86400000];

  function latency_chart(report) {
    const hours = (report.attestation_latency_by_hour || []).filter((h) => h.attestations > 0);
    if (hours.length === 0) return none_note('No attestation completed in this run.');
    const values = hours.flatMap((h) => LATENCY_KEYS.map(([k]) => h[k])).filter((v) => v !== null && v > 0);
    // A log scale from the tick below the fastest to the one above the slowest.
    const fastest = Math.min(...values, LATENCY_TICKS[LATENCY_TICKS.length - 1]);
    const slowest_ms = Math.max(...values, LATENCY_TICKS[0]);
    const low = [...LATENCY_TICKS].reverse().find((t) => t <= fastest) || LATENCY_TICKS[0];
    const top_ms = Math.max(LATENCY_TICKS.find((t) => t >= slowest_ms) || LATENCY_TICKS[LATENCY_TICKS.length - 1], low * 10);
    const height = 280, bottom = height - MARGIN.bottom;
    const y = (ms) => bottom - (Math.log10(Math.max(ms, low) / low) / Math.log10(top_ms / low)) * (bottom - MARGIN.top);
    const slowest = hours.reduce((a, h) => (h.p99_ms !== null && (a === null || h.p99_ms > a.p99_ms) ? h : a), null);
    const root = chart_svg('chart-latency', height, 'Attestation latency percentiles by simulated hour',
      `Lines for the 50th, 95th and 99th percentiles, estimated from a histogram, on a log scale.` +
      (slowest ? ` The slowest p99 was ${latency(slowest.p99_ms)} in hour ${slowest.hour}.` : ''));
    for (const v of LATENCY_TICKS.filter((t) => t >= low && t <= top_ms)) {
      root.append(svg('line', { class: 'grid', x1: MARGIN.left, y1: y(v), x2: WIDTH - MARGIN.right, y2: y(v) }));
      root.append(svg('text', { x: MARGIN.left - 8, y: y(v) + 4, 'text-anchor': 'end' }, latency(v)));
    }
    root.append(svg('text', { x: MARGIN.left, y: MARGIN.top - 10, 'text-anchor': 'start' },
      'from the first challenge request to the certificate (log scale)'));
    const x = draw_time_axis(root, end_of(report), bottom);
    for (const [key, label, colour] of LATENCY_KEYS) {
      // A step across each hour, joined to the next; an hour without
      // attestations, or one past the last bound, breaks the line.
      let d = '', open = false, drawn = 0;
      for (const h of report.attestation_latency_by_hour) {
        const v = h[key];
        if (h.attestations === 0 || v === null) { open = false; continue; }
        const x0 = x(h.hour * 3600).toFixed(1), x1 = Math.max(x((h.hour + 1) * 3600), x(h.hour * 3600) + 1).toFixed(1);
        const py = y(v).toFixed(1);
        d += `${open ? 'L' : 'M'}${x0},${py}L${x1},${py}`;
        open = true;
        ++drawn;
      }
      if (drawn === 0) continue;
      root.append(tooltip(svg('path', {
        class: 'mark line', 'data-key': label, fill: 'none', stroke: colour, 'stroke-width': 2, d: d,
      }), `${label} of the attestations of each hour`));
    }
    draw_stop_line(root, x, report, MARGIN.top, bottom);
    const failures = (report.attestation_latency_by_hour || []).reduce((sum, h) => sum + (h.failures || 0), 0);
    return html('div', {}, root, legend(LATENCY_KEYS.map(([, label, colour]) => [colour, label])),
      none_note(`${count(hours.reduce((sum, h) => sum + h.attestations, 0))} attestations in ${hours.length} hours; ` +
        `${count(failures)} attestation failures.`));
  }

  function breakdown_table(report) {
    const cells = report.by_group_and_revision || [];
    if (cells.length === 0) return none_note('No devices in this report.');
    const bad = (n) => (n > 0 ? 'number alarm' : 'number');
    // Grouped headings keep the columns' own short, so that the table fits the card.
    const groups = [['', 3], ['Requests', 3], ['Attestations', 5], ['Updates', 3]];
    const columns = [['Group'], ['Revision'], ['Devices', true], ['total', true], ['refused', true], ['dropped', true],
      ['accepted', true], ['failed', true], ['p50', true], ['p95', true], ['p99', true],
      ['committed', true], ['rolled back', true], ['failed', true]];
    const rows = cells.map((c) => [[c.group], [c.revision], [count(c.devices), 'number'], [count(c.requests), 'number'],
      [count(c.errors), 'number'], [count(c.dropped), 'number'], [count(c.attestations), 'number'],
      [count(c.attestation_failures), 'number'], [latency(c.attestation_p50_ms), 'number'],
      [latency(c.attestation_p95_ms), 'number'], [latency(c.attestation_p99_ms), 'number'],
      [count(c.updates_committed), 'number'], [count(c.updates_rolled_back), bad(c.updates_rolled_back)],
      [count(c.updates_failed), bad(c.updates_failed)]]);
    return html('div', { class: 'table-frame' }, html('table', { id: 'by-group-revision', class: 'compact' },
      html('thead', {},
        html('tr', { class: 'column-groups' }, ...groups.map(([h, span]) => html('th', { colspan: span, class: h ? 'group' : '' }, h))),
        html('tr', {}, ...columns.map(([h, numeric]) => html('th', numeric ? { class: 'number' } : {}, h)))),
      html('tbody', {}, ...rows.map((cells_of_row) => html('tr', {},
        ...cells_of_row.map(([text, cls]) => html('td', cls ? { class: cls } : {}, text)))))));
  }

  // ---- header, expectations, counters -----------------------------------

  // An interrupted run judges nothing: "passed" is null there, and older
  // reports have no "verdict" field.
  function expectation_verdict(report, e) {
    if (e.verdict) return e.verdict;
    if (report.complete === false) return 'not_judged';
    return e.passed ? 'pass' : 'fail';
  }
  const verdict_labels = { pass: 'PASS', fail: 'FAIL', not_judged: 'NOT JUDGED' };

  function verdict(report) {
    const expectations = report.expectations || [];
    const failed = expectations.filter((e) => expectation_verdict(report, e) === 'fail').length;
    if (!report.complete) {
      const not_judged = expectations.length === 0 ? ''
        : ` ${expectations.length} expectation${expectations.length === 1 ? '' : 's'} not judged.`;
      return html('p', { class: 'verdict incomplete' },
        `Interrupted at ${sim_time(report.sim_seconds)} of ${sim_time(report.duration_seconds)} simulated: no verdict.${not_judged}`);
    }
    if (expectations.length === 0) return html('p', { class: 'verdict pass' }, 'Complete; the scenario declares no expectations.');
    if (failed > 0) return html('p', { class: 'verdict fail' }, `${failed} of ${expectations.length} expectations FAILED.`);
    return html('p', { class: 'verdict pass' }, `All ${expectations.length} expectations held.`);
  }

  function header(report) {
    const facts = [
      ['Seed', count(report.seed)],
      ['Devices', `${count(report.devices)} (${report.threads} threads, ${report.workers} worker${report.workers === 1 ? '' : 's'})`],
      ['Simulated', `${sim_time(report.sim_seconds)} of ${sim_time(report.duration_seconds)}`],
      ['Wall time', `${Number(report.wall_seconds).toFixed(3)} s (${Number(report.cpu_seconds).toFixed(3)} s CPU)`],
      ['Events', `${count(report.events)} in ${count(report.windows)} windows`],
      ['Trace hash', html('span', { class: 'mono' }, report.trace_hash)],
      ['Replay', html('code', {}, report.replay)],
    ];
    return html('header', { class: 'card' },
      html('h1', {}, report.scenario), html('div', { class: 'subtitle' }, `fleetsim run report \u00b7 ${report.scenario_file}`),
      verdict(report),
      html('dl', { class: 'facts' }, ...facts.flatMap(([k, v]) => [html('dt', {}, k), html('dd', {}, v)])));
  }

  function expectations_section(report) {
    const expectations = report.expectations || [];
    if (expectations.length === 0) return card('expectations-card', 'Expectations', null, none_note('The scenario declares no expectations.'));
    return card('expectations-card', 'Expectations', 'In the scenario\u2019s order, with what the run showed.',
      html('table', { id: 'expectations' },
        html('thead', {}, html('tr', {}, html('th', {}, 'Expectation'), html('th', {}, 'Verdict'), html('th', {}, 'What the run showed'))),
        html('tbody', {}, ...expectations.map((e) => {
          const v = expectation_verdict(report, e);
          const kind = v.replace('_', '-');
          return html('tr', { class: kind },
            html('td', {}, e.name), html('td', { class: kind }, verdict_labels[v] || v), html('td', {}, e.detail));
        }))));
  }

  // Counters that are bad news whatever the scenario (others, such as
  // attestation failures, are expected under attack or faults).
  const ALARMS = new Set(['bricked', 'unsigned_code_started']);

  function counters_section(report) {
    const counters = Object.entries(report.counters || {});
    return card('counters', 'Counters', 'Over every device and the cloud, for the whole run (docs/cli.md says what each counts).',
      html('dl', { class: 'counters' }, ...counters.map(([name, n]) =>
        html('div', { class: ALARMS.has(name) && n > 0 ? 'alarm' : '' }, html('dt', {}, name.replace(/_/g, ' ')), html('dd', {}, count(n))))));
  }

  // ---- fleetsim explore's report ----------------------------------------
  // Its JSON has "command": "explore" (cli/explore.cpp, report_of): the
  // exploration's header, its failures and reproducers, and coverage.

  /// A seed as text: JSON.parse rounds integers past 2^53, so a seed that
  /// large is not shown rounded (the reproducer's file name has it exactly).
  function exact_count(n) {
    return Number.isSafeInteger(n) ? count(n) : 'past 2^53: see the JSON data';
  }

  function explore_verdict(report) {
    const errors = (report.errors || []).length;
    const error_note = errors > 0 ? ` ${count(errors)} drawn run${errors === 1 ? '' : 's'} could not run.` : '';
    if (report.failed > 0) {
      return html('p', { class: 'verdict fail' },
        `${count(report.failed)} of ${count(report.runs)} runs failed an expectation.${error_note}`);
    }
    return html('p', { class: errors > 0 ? 'verdict fail' : 'verdict pass' },
      `No run of ${count(report.runs)} failed an expectation.${error_note}`);
  }

  function explore_header(report) {
    const facts = [
      ['Seed', exact_count(report.seed)],
      ['Runs', `${count(report.runs)}, ${count(report.failed)} failed`],
      ['Devices', count(report.devices)],
      ['Jobs', count(report.jobs)],
      ['Wall time', `${Number(report.wall_seconds).toFixed(1)} s`],
    ];
    return html('header', { class: 'card' },
      html('h1', {}, report.scenario), html('div', { class: 'subtitle' }, `fleetsim explore report \u00b7 ${report.scenario_file}`),
      explore_verdict(report),
      html('dl', { class: 'facts' }, ...facts.flatMap(([k, v]) => [html('dt', {}, k), html('dd', {}, v)])));
  }

  /// "12 faults and attacks, 500 devices, replays": what a reproducer holds.
  function reproducer_facts(r) {
    return `${count(r.events)} faults and attacks, ${count(r.devices)} devices, trace_hash ${String(r.trace_hash).slice(0, 16)}`;
  }

  function replays_cell(r) { return r.replayed ? ['replays'] : ['DOES NOT REPLAY', 'alarm']; }

  function failures_section(report) {
    const by_expectation = Object.entries(report.failures_by_expectation || {});
    const failures = report.failures || [];
    if (by_expectation.length === 0) return card('failures-card', 'Failures', null, none_note('No run failed an expectation.'));
    return card('failures-card', 'Failures',
      'Runs failed, by expectation; then each failing run kept as a standalone scenario that fleetsim run replays to the same trace_hash.',
      simple_table('failures-by-expectation', [['Expectation'], ['Runs failed', true]],
        by_expectation.map(([name, n]) => [[name], [count(n), 'number']])),
      simple_table('failures', [['Run', true], ['Expectation'], ['Reproducer'], ['Holds'], ['Replay'], ['Shrunk']],
        failures.map((f) => [[count(f.run), 'number'], [f.expectation], [f.reproducer.path, 'mono'],
          [reproducer_facts(f.reproducer)], replays_cell(f.reproducer), [f.shrunk ? f.shrunk.path : 'no', f.shrunk ? 'mono' : '']])));
  }

  function shrunk_section(report) {
    const shrunk = (report.failures || []).filter((f) => f.shrunk);
    if (shrunk.length === 0) return null;
    return card('shrunk', 'Shrunk reproducers',
      'The first failing run of each expectation, shrunk while the same expectation fails: the faults and attacks it kept.',
      ...shrunk.map((f) => html('div', { class: 'shrunk' },
        html('h3', {}, `Run ${count(f.run)} fails ${f.expectation}`),
        html('dl', { class: 'facts' },
          html('dt', {}, 'Full'), html('dd', {}, html('code', {}, f.reproducer.path), ` \u2014 ${reproducer_facts(f.reproducer)}`),
          html('dt', {}, 'Shrunk'), html('dd', {}, html('code', {}, f.shrunk.path), ` \u2014 ${reproducer_facts(f.shrunk)}`,
            f.shrunk.replayed ? ', replays' : html('span', { class: 'alarm' }, ', DOES NOT REPLAY')),
          html('dt', {}, 'Shrink runs'), html('dd', {}, count(f.shrink_runs || 0))),
        (f.shrunk.kept || []).length === 0 ? none_note('It kept no fault and no attack.')
          : html('ul', { id: `kept-${f.run}`, class: 'kept' }, ...f.shrunk.kept.map((k) => html('li', {}, k))))));
  }

  function attack_coverage_table(attacks) {
    const bad = (n) => (n > 0 ? 'number alarm' : 'number');
    const rows = [];
    for (const a of attacks) {
      const checks = a.checks.length > 0 ? a.checks : [null];  // a kind without a check: counted for its rate
      checks.forEach((c, i) => {
        const first = i === 0;
        const kind_cells = first
          ? [[a.kind], [count(a.runs), 'number'], [count(a.tried), 'number'], [count(a.stopped), 'number'],
            [count(a.got_through), bad(a.got_through)]]
          : [[''], [''], [''], [''], ['']];
        if (c === null) {
          rows.push([...kind_cells, ['\u2014 (no check: refused for its rate)'], [''], ['']]);
          return;
        }
        const name = c.catalogued ? c.check : `${c.check} (not in the catalogue)`;
        rows.push([...kind_cells, [name, c.catalogued ? '' : 'uncatalogued'],
          c.stopped === 0 ? ['UNREACHED', 'unreached'] : [count(c.stopped), 'number'],
          [c.stopped === 0 ? '' : count(c.runs), 'number']]);
      });
    }
    return simple_table('coverage-attacks',
      [['Attack kind'], ['Runs', true], ['Tried', true], ['Stopped', true], ['Got through', true], ['Check'],
        ['Stopped by it', true], ['In runs', true]], rows);
  }

  function unreached_section(report) {
    const unreached = (report.coverage && report.coverage.unreached) || [];
    if (unreached.length === 0) return card('unreached-card', 'Never reached', null, none_note('Every catalogued check, kind of flash write and device state was reached.'));
    return card('unreached-card', 'Never reached',
      'Catalogued checks that stopped nothing in any run ("kind: check"), kinds of flash write no power loss tore, and fault kinds that never met a device running, attested or in a trial boot ("KIND in STATE"), or downloading, staged or on trial in an update ("KIND at STEP").',
      html('ul', { id: 'unreached', class: 'unreached' }, ...unreached.map((u) => html('li', {}, u))));
  }

  /// {"erase": 3, "header": 0}: "erase 3, header 0", or "" for none.
  function pairs(map) { return Object.entries(map || {}).map(([k, n]) => `${k} ${count(n)}`).join(', '); }

  function fault_coverage_table(faults) {
    return simple_table('coverage-faults',
      [['Fault kind'], ['Runs', true], ['Devices hit', true], ['Tears armed', true], ['Writes torn', true],
        ['Torn, by the kind of write'], ['Device states met'], ['Update steps met']],
      faults.map((f) => [[f.kind], [count(f.runs), 'number'], [count(f.devices_hit), 'number'],
        [f.armed > 0 ? count(f.armed) : '', 'number'], [f.armed > 0 ? count(f.writes_torn) : '', 'number'],
        [pairs(f.torn_by_write_kind)], [pairs(f.device_states)], [pairs(f.update_steps)]]));
  }

  function draw_explore(report, root) {
    document.title = `${report.scenario} \u2014 fleetsim explore report`;
    const coverage = report.coverage || {};
    const errors = report.errors || [];
    root.replaceChildren(...[
      explore_header(report),
      failures_section(report),
      shrunk_section(report),
      card('coverage-attacks-card', 'Checks that stopped attacks',
        'Per attack kind over the runs: attempts, and each check of the kind\u2019s catalogue (then any other seen) with the attempts it stopped; a catalogued check that stopped nothing is UNREACHED.',
        attack_coverage_table(coverage.attacks || []) || none_note('No attack kind could occur.')),
      unreached_section(report),
      card('coverage-faults-card', 'Faults',
        'Per fault kind over the runs: devices hit, for power loss the tears armed and writes torn by the kind of write, and the states of the devices each fault met.',
        fault_coverage_table(coverage.faults || []) || none_note('No fault kind could occur.')),
      errors.length === 0 ? null : card('errors-card', 'Runs that could not run', 'A defect of the drawing: each with why.',
        html('ul', { id: 'errors' }, ...errors.map((e) => html('li', {}, e)))),
      html('p', { class: 'note' }, 'Every run, with its schedule and failed expectations, is in the JSON data of this page (runs_detail).'),
    ].filter((section) => section !== null));
  }

  // ---- the page ---------------------------------------------------------

  /// Widens a chart's view to everything drawn in it, so that no label runs
  /// past its edge and is cut (a long deployment name, an abort's reason at
  /// the right end). Needs the page's layout: called once it is in the DOM.
  function fit_to_content(chart) {
    const [x0, y0, w0, h0] = chart.getAttribute('viewBox').split(' ').map(Number);
    const box = chart.getBBox();
    const pad = 4;  // beside a label that did run past an edge
    const left = box.x < x0 ? Math.floor(box.x - pad) : x0, top = box.y < y0 ? Math.floor(box.y - pad) : y0;
    const right = box.x + box.width > x0 + w0 ? Math.ceil(box.x + box.width + pad) : x0 + w0;
    const bottom = box.y + box.height > y0 + h0 ? Math.ceil(box.y + box.height + pad) : y0 + h0;
    if (left === x0 && top === y0 && right === x0 + w0 && bottom === y0 + h0) return;
    chart.setAttribute('viewBox', `${left} ${top} ${right - left} ${bottom - top}`);
  }

  function draw(report, root) {
    document.title = `${report.scenario} \u2014 fleetsim run report`;
    root.replaceChildren(
      header(report),
      expectations_section(report),
      card('adoption', 'Version adoption', 'Devices per running app version, stacked, sampled over the run; the legend gives the devices at the end, and a version\u2019s peak when it had more. A version too small to see as an area is drawn as a line.', adoption_chart(report)),
      card('states', 'Device states', 'Devices per state, stacked, sampled over the run; the legend gives the devices at the end.', states_chart(report)),
      card('rollout', 'Rollout waves', 'The wave each deployment had open, from its controller\u2019s transitions; halts and aborts marked \u2715.', rollout_chart(report)),
      card('requests', 'Requests to the cloud', 'Requests that reached the cloud\u2019s endpoint, stacked by what they asked, summed per column; the legend gives the totals.', requests_chart(report)),
      card('errors', 'Errors over time', 'The requests of the chart above that were not answered ok: refused with an Error, dropped by a cloud outage, or left unanswered.', errors_chart(report)),
      card('latency', 'Attestation latency', 'From a device\u2019s first challenge request to the certificate it accepted, by the hour it completed in (retries and outages included).', latency_chart(report)),
      card('breakdown', 'By group and hardware revision', 'Each scenario group with each hardware revision its devices have: their requests, attestations (latency percentiles estimated from a histogram) and updates.', breakdown_table(report)),
      card('events', 'Faults and attacks', 'When each of the scenario\u2019s faults and attacks acted, on the same time axis as the charts above: a bar for its duration, \u25c6 for an instant one.', events_chart(report)),
      counters_section(report));
  }

  const root = document.getElementById('report');
  try {
    const report = JSON.parse(document.getElementById('report-data').textContent);
    (report.command === 'explore' ? draw_explore : draw)(report, root);
    for (const chart of root.querySelectorAll('svg.chart')) fit_to_content(chart);
    document.body.setAttribute('data-rendered', 'yes');
  } catch (error) {
    // Say so on the page (and to a test reading the DOM) rather than show half a report.
    document.body.setAttribute('data-render-error', String(error));
    root.replaceChildren(html('p', { class: 'verdict fail' }, `This report could not be drawn: ${error}`));
  }
})();
