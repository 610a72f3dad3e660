// Client side of index.html (inlined by harness/reports/html.ts). Plain ES2019, no dependency, no network.
// Builds the matrix from the embedded JSON, filters it, and opens a case's detail on click or from the
// URL hash (#case=<column>:<case id>), so a link to one failing cell can be shared.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var VERDICTS = ['PASS', 'FAIL', 'ERROR', 'INDETERMINATE', 'UNSUPPORTED'];
  var LEVELS = ['MUST', 'SHOULD', 'INFO'];
  var SYMBOL = { PASS: '\u2713', FAIL: '\u2717', ERROR: '!', INDETERMINATE: '?', UNSUPPORTED: '\u2013' };
  var SHORT = { PASS: 'pass', FAIL: 'fail', ERROR: 'error', INDETERMINATE: 'undecided', UNSUPPORTED: 'unsupported' };
  var STATUS_TEXT = {
    pass: 'passes',
    unsupported: 'capability not declared: never a failure',
    regression: 'REGRESSION: fails the run (exit 1)',
    'known-failure': 'known failure, listed in the baseline',
    'non-gating': 'fails, but this level does not gate the run (use --strict for SHOULD)',
    undecided: 'undecided: the machine could not judge it (exit 2)',
    'harness-error': 'the harness could not run it (exit 4)',
  };
  var state = { levels: {}, verdicts: {}, text: '', diffOnly: false };
  LEVELS.forEach(function (l) {
    state.levels[l] = true;
  });
  VERDICTS.forEach(function (v) {
    state.verdicts[v] = true;
  });

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs)
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === undefined || v === null || v === false) return;
        if (k === 'text') node.textContent = v;
        else if (k === 'onclick') node.addEventListener('click', v);
        else if (k === 'href') node.setAttribute(k, safeHref(v));
        else node.setAttribute(k, v === true ? '' : String(v));
      });
    (children || []).forEach(function (c) {
      if (c !== null && c !== undefined) node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return node;
  }
  // Links only to http(s) or to a relative path: a results file is untrusted, and `javascript:`, `data:` or
  // `file:` would run or reach something. Whatever else becomes an inert '#'.
  function safeHref(v) {
    var s = String(v);
    if (/^https?:\/\//i.test(s)) return s;
    if (/^[a-z][a-z0-9+.-]*:/i.test(s) || /^[\\/]{2}/.test(s) || /[\u0000-\u001f]/.test(s)) return '#';
    return s;
  }
  function cellKey(colKey, id) {
    return colKey + '\u0000' + id;
  }
  function pretty(v) {
    try {
      return JSON.stringify(v, null, 2);
    } catch (e) {
      return String(v);
    }
  }
  function badge(verdict) {
    return el('span', { class: 'badge v-' + verdict, text: SYMBOL[verdict] + ' ' + verdict });
  }

  // ---- summary ----
  function renderSummary() {
    var box = document.getElementById('summary');
    (data.notes || []).forEach(function (n) {
      box.appendChild(el('p', { class: 'report-note', text: n }));
    });
    if (data.columns.length === 0) {
      box.appendChild(el('p', { class: 'empty', text: 'No implementation ran: the results hold no run.' }));
      return;
    }
    data.columns.forEach(function (col) {
      var chips = VERDICTS.filter(function (v) {
        return col.counts[v] > 0;
      }).map(function (v) {
        return el('span', { class: 'chip v-' + v, text: col.counts[v] + ' ' + SHORT[v] });
      });
      if (col.counts.flaky > 0) chips.push(el('span', { class: 'chip flaky', text: col.counts.flaky + ' flaky' }));
      if (col.counts.total === 0) chips.push(el('span', { class: 'chip', text: 'no case ran' }));
      box.appendChild(
        el('div', { class: 'card' + (col.setupError ? ' broken' : '') }, [
          el('div', { class: 'card-title' }, [el('span', { class: 'side', text: col.side }), ' ', el('strong', { text: col.label })]),
          el('div', { class: 'card-meta', text: 'target ' + col.target + ' · run ' + col.runId + ' · seed ' + col.seed + ' · exit ' + col.exitCode + (col.shards ? ' · ' + col.shards : '') }),
          col.setupError ? el('div', { class: 'setup-error', text: 'Could not open the target: ' + col.setupError }) : null,
          col.identityMismatch ? el('div', { class: 'setup-error', text: 'Identity mismatch: ' + col.identityMismatch }) : null,
          el('div', { class: 'chips' }, chips),
        ]),
      );
    });
  }

  // ---- filters ----
  function checkbox(group, value, label) {
    var input = el('input', { type: 'checkbox', checked: true, 'data-filter': group, value: value });
    input.addEventListener('change', function () {
      state[group][value] = input.checked;
      applyFilters();
    });
    return el('label', { class: 'check' }, [input, ' ' + label]);
  }
  function countVerdict(v) {
    var n = 0;
    Object.keys(data.cells).forEach(function (k) {
      if (data.cells[k].verdict === v) n++;
    });
    return n;
  }
  function renderFilters() {
    var box = document.getElementById('filters');
    var levelRow = el(
      'div',
      { class: 'filter-row' },
      [el('span', { class: 'filter-name', text: 'Level' })].concat(
        LEVELS.map(function (l) {
          return checkbox('levels', l, l);
        }),
      ),
    );
    var verdictRow = el(
      'div',
      { class: 'filter-row' },
      [el('span', { class: 'filter-name', text: 'Verdict' })].concat(
        VERDICTS.map(function (v) {
          return checkbox('verdicts', v, SYMBOL[v] + ' ' + v + ' (' + countVerdict(v) + ')');
        }),
      ),
    );
    var search = el('input', { type: 'search', placeholder: 'filter by case id or title', 'aria-label': 'filter by case id or title', id: 'text-filter' });
    search.addEventListener('input', function () {
      state.text = search.value.toLowerCase();
      applyFilters();
    });
    var diff = el('input', { type: 'checkbox', id: 'diff-only' });
    diff.addEventListener('change', function () {
      state.diffOnly = diff.checked;
      applyFilters();
    });
    var other = el('div', { class: 'filter-row' }, [search, el('label', { class: 'check' }, [diff, ' only cases where implementations differ'])]);
    box.appendChild(levelRow);
    box.appendChild(verdictRow);
    box.appendChild(other);
  }

  // ---- matrices ----
  function renderMatrices() {
    var box = document.getElementById('matrices');
    ['sdk', 'engine'].forEach(function (side) {
      var cols = data.columns.filter(function (c) {
        return c.side === side;
      });
      var rows = data.rows.filter(function (r) {
        return r.side === side;
      });
      if (cols.length === 0) return;
      var heading = side === 'sdk' ? 'SDK cases' : 'Engine cases';
      var head = el(
        'tr',
        null,
        [el('th', { scope: 'col', text: 'Case' }), el('th', { scope: 'col', text: 'Level' })].concat(
          cols.map(function (c) {
            return el('th', { scope: 'col', class: 'impl', title: c.target }, [c.label]);
          }),
        ),
      );
      var body = el('tbody');
      rows.forEach(function (r) {
        var tr = el('tr', { class: 'case-row', 'data-id': r.id, 'data-level': r.level });
        tr.appendChild(el('th', { scope: 'row', class: 'case-name' }, [el('code', { text: r.id }), el('div', { class: 'case-title', text: r.title })]));
        tr.appendChild(el('td', null, [el('span', { class: 'level l-' + r.level, text: r.level })]));
        cols.forEach(function (c) {
          var cell = data.cells[cellKey(c.key, r.id)];
          if (!cell) {
            tr.appendChild(el('td', null, [el('span', { class: 'cell missing', title: 'not run for ' + c.label, text: '\u00b7' })]));
            return;
          }
          var marks = (cell.flaky ? ' ~' : '') + (cell.status === 'known-failure' ? ' \u2020' : '');
          var button = el('button', {
            type: 'button',
            class: 'cell v-' + cell.verdict + (cell.status === 'regression' ? ' regression' : ''),
            'data-verdict': cell.verdict,
            'data-status': cell.status,
            'data-col': c.key,
            'data-id': r.id,
            title: cell.summary,
            'aria-label': r.id + ' on ' + c.label + ': ' + cell.verdict,
            text: SYMBOL[cell.verdict] + ' ' + SHORT[cell.verdict] + marks,
            onclick: function () {
              openDetail(c.key, r.id, true);
            },
          });
          tr.appendChild(el('td', null, [button]));
        });
        body.appendChild(tr);
      });
      var table = el('table', { class: 'matrix', 'data-side': side }, [el('thead', null, [head]), body]);
      box.appendChild(
        el('section', { class: 'side-block' }, [
          el('h2', { text: heading + ' (' + rows.length + ')' }),
          rows.length === 0 ? el('p', { class: 'empty', text: 'No ' + side + ' case ran.' }) : table,
          el('p', { class: 'legend', text: '~ flaky across repeats   \u2020 known failure (baseline)   \u00b7 not run' }),
        ]),
      );
    });
  }

  function applyFilters() {
    var shown = 0;
    Array.prototype.forEach.call(document.querySelectorAll('tr.case-row'), function (tr) {
      var level = tr.getAttribute('data-level');
      var id = tr.getAttribute('data-id');
      var cells = tr.querySelectorAll('.cell[data-verdict]');
      var verdicts = Array.prototype.map.call(cells, function (c) {
        return c.getAttribute('data-verdict');
      });
      var title = (tr.querySelector('.case-title') || { textContent: '' }).textContent.toLowerCase();
      var ok =
        state.levels[level] &&
        (state.text === '' || id.toLowerCase().indexOf(state.text) >= 0 || title.indexOf(state.text) >= 0) &&
        verdicts.some(function (v) {
          return state.verdicts[v];
        }) &&
        (!state.diffOnly ||
          verdicts.filter(function (v, i, a) {
            return a.indexOf(v) === i;
          }).length > 1);
      tr.hidden = !ok;
      if (ok) shown++;
    });
    document.body.setAttribute('data-shown-rows', String(shown));
  }

  // ---- detail ----
  function section(title, children) {
    return el('section', { class: 'd-section' }, [el('h3', { text: title })].concat(children));
  }

  function sequence(timeline) {
    var rows = timeline.events.map(function (ev) {
      var t = el('span', { class: 'seq-t', text: ev.t.toFixed(1) + ' ms' });
      var conn = ev.conn !== undefined ? ' #' + ev.conn : '';
      if (ev.kind === 'frame' && ev.dir) {
        var right = ev.dir === 'engine->worker';
        var arrow = el(
          'div',
          { title: ev.detail, class: 'seq-arrow ' + (right ? 'to-worker' : 'to-engine') + (ev.bad ? ' bad' : '') + (ev.dropped ? ' dropped' : '') },
          [el('span', { class: 'seq-label', text: ev.label + conn }), el('span', { class: 'seq-detail', text: ev.detail })],
        );
        return el('div', { class: 'seq-row' }, [t, arrow]);
      }
      return el('div', { class: 'seq-row' }, [
        t,
        el('div', { class: 'seq-note k-' + ev.kind + (ev.bad ? ' bad' : '') }, [
          el('span', { class: 'seq-label', text: ev.label + conn }),
          ' ',
          el('span', { class: 'seq-detail', text: ev.detail }),
        ]),
      ]);
    });
    var head = el('div', { class: 'seq-row seq-head' }, [
      el('span', { class: 'seq-t', text: 't' }),
      el('div', { class: 'seq-lanes' }, [el('span', { text: 'engine' }), el('span', { text: 'worker' })]),
    ]);
    var box = el('div', { class: 'sequence' }, [head].concat(rows));
    if (timeline.omitted > 0) box.appendChild(el('p', { class: 'muted', text: timeline.omitted + ' more records in the transcript file' }));
    return box;
  }

  function timingTable(samples) {
    var head = el(
      'tr',
      null,
      ['attempt', 'label', 'measured', 'allowed', 'slack', 'verdict', 'why'].map(function (h) {
        return el('th', { text: h });
      }),
    );
    var rows = samples.map(function (s) {
      return el('tr', null, [
        el('td', { text: s.attempt === undefined ? '' : String(s.attempt) }),
        el('td', { text: s.label }),
        el('td', { text: s.measuredMs + ' ms' }),
        el('td', { text: s.allowedMinMs + '..' + s.allowedMaxMs + ' ms' }),
        el('td', { text: '+' + s.slackMs + ' ms' }),
        el('td', null, [badge(s.verdict)]),
        el('td', { text: s.reason || '' }),
      ]);
    });
    return el('table', { class: 'timings' }, [el('thead', null, [head]), el('tbody', null, rows)]);
  }

  function copyButton(text) {
    var b = el('button', { type: 'button', class: 'copy', text: 'copy' });
    b.addEventListener('click', function () {
      if (navigator.clipboard)
        navigator.clipboard.writeText(text).then(
          function () {
            b.textContent = 'copied';
          },
          function () {},
        );
    });
    return b;
  }

  function openDetail(colKey, id, push) {
    var cell = data.cells[cellKey(colKey, id)];
    var col = data.columns.filter(function (c) {
      return c.key === colKey;
    })[0];
    var row = data.rows.filter(function (r) {
      return r.id === id;
    })[0];
    if (!cell || !col || !row) return;
    var box = document.getElementById('detail');
    box.textContent = '';
    var close = el('button', { type: 'button', class: 'close', 'aria-label': 'close', text: '\u00d7', onclick: closeDetail });
    box.appendChild(
      el('header', { class: 'd-head' }, [
        close,
        el('div', { class: 'd-impl', text: col.label + ' \u2014 ' + col.side }),
        el('h2', null, [el('code', { text: id })]),
        el('div', { class: 'd-title', text: row.title }),
        el('div', { class: 'd-verdict' }, [
          badge(cell.verdict),
          ' ',
          el('span', { class: 'level l-' + row.level, text: row.level }),
          ' ',
          el('span', { class: 'status s-' + cell.status, text: STATUS_TEXT[cell.status] || cell.status }),
          cell.flaky ? el('span', { class: 'chip flaky', text: 'flaky' }) : null,
        ]),
      ]),
    );
    box.appendChild(el('p', { class: 'd-summary', text: cell.summary }));
    var meta = [
      [
        'sources',
        row.sources
          .map(function (s) {
            return s.document + ' ' + s.section;
          })
          .join('; '),
      ],
      ['seed', String(cell.seed)],
      ['duration', cell.durationMs + ' ms'],
    ];
    if (cell.baselineReason) meta.push(['baseline', cell.baselineReason]);
    (cell.notes || []).forEach(function (n) {
      meta.push(['left out', n]);
    });
    if (row.disagreement) meta.push(['disagreement', row.disagreement]);
    box.appendChild(
      el(
        'dl',
        { class: 'meta' },
        meta.reduce(function (acc, m) {
          return acc.concat([el('dt', { text: m[0] }), el('dd', { text: m[1] })]);
        }, []),
      ),
    );
    if (cell.expected !== undefined || cell.actual !== undefined) {
      box.appendChild(
        section('Expected vs actual', [
          el('div', { class: 'diff' }, [
            el('div', null, [
              el('h4', { text: 'expected' }),
              el('pre', { class: 'expected', text: cell.expected === undefined ? '(not given)' : pretty(cell.expected) }),
            ]),
            el('div', null, [
              el('h4', { text: 'actual' }),
              el('pre', { class: 'actual', text: cell.actual === undefined ? '(not given)' : pretty(cell.actual) }),
            ]),
          ]),
        ]),
      );
    }
    if (cell.timings.length > 0 || cell.plot) {
      var plot = el('div', { class: 'plot' });
      if (cell.plot) plot.innerHTML = cell.plot; // generated by the harness (timing-plot.ts), every text escaped
      box.appendChild(section('Timing: measured delay vs allowed envelope', [plot, timingTable(cell.timings)]));
    }
    if (cell.attempts.length > 1) {
      box.appendChild(
        section('Repeats', [
          el(
            'ol',
            { class: 'attempts' },
            cell.attempts.map(function (a) {
              return el('li', null, [badge(a.verdict), ' ' + a.durationMs + ' ms \u2014 ' + a.summary]);
            }),
          ),
        ]),
      );
    }
    if (cell.findings.length > 0) {
      box.appendChild(
        section('Findings', [
          el(
            'ul',
            { class: 'findings' },
            cell.findings.map(function (f) {
              return el('li', { class: 'f-' + f.severity }, [el('strong', { text: f.severity }), ' ' + f.message + (f.path ? ' (' + f.path + ')' : '')]);
            }),
          ),
        ]),
      );
    }
    if (cell.timeline && cell.timeline.events.length > 0) box.appendChild(section('Transcript', [sequence(cell.timeline)]));
    var repro = [];
    if (cell.rerun)
      repro.push(el('div', { class: 'cmd', title: 'rerun just this case with the same seed' }, [el('code', { text: cell.rerun }), copyButton(cell.rerun)]));
    if (cell.replay)
      repro.push(
        el('div', { class: 'cmd', title: 'replay the recorded transcript and show the first divergence' }, [
          el('code', { text: cell.replay }),
          copyButton(cell.replay),
        ]),
      );
    var links = [];
    if (cell.repro) links.push(el('a', { href: cell.repro + '/bundle.json', text: 'repro bundle' }));
    if (cell.transcript) links.push(el('a', { href: cell.transcript, text: 'transcript (JSON Lines)' }));
    (cell.logs || []).forEach(function (l) {
      links.push(el('a', { href: l, text: l.split('/').pop() }));
    });
    if (links.length > 0)
      repro.push(
        el(
          'p',
          { class: 'links' },
          links.reduce(function (acc, a, i) {
            return i ? acc.concat([' \u00b7 ', a]) : [a];
          }, []),
        ),
      );
    if (repro.length > 0) box.appendChild(section('Reproduce', repro));
    box.hidden = false;
    document.body.classList.add('detail-open');
    Array.prototype.forEach.call(document.querySelectorAll('.cell.selected'), function (c) {
      c.classList.remove('selected');
    });
    var btn = document.querySelector('.cell[data-col="' + CSS.escape(colKey) + '"][data-id="' + CSS.escape(id) + '"]');
    if (btn) btn.classList.add('selected');
    if (push) history.replaceState(null, '', '#case=' + encodeURIComponent(colKey + ':' + id));
    close.focus();
  }

  function closeDetail() {
    var box = document.getElementById('detail');
    box.hidden = true;
    document.body.classList.remove('detail-open');
    history.replaceState(null, '', location.pathname + location.search);
  }

  function openFromHash() {
    var m = /^#case=(.+)$/.exec(location.hash);
    if (!m) return;
    var v = decodeURIComponent(m[1]);
    var i = v.lastIndexOf(':');
    if (i > 0) openDetail(v.slice(0, i), v.slice(i + 1), false);
  }

  window.addEventListener('hashchange', openFromHash);
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape') closeDetail();
  });
  renderSummary();
  renderFilters();
  renderMatrices();
  applyFilters();
  openFromHash();
  document.body.setAttribute('data-ready', 'true');
})();
