/* The guided harvest source form (templates/source/snippets/procurement_source_fields.html).
 *
 * The form works without this: the server builds the JSON configuration from the fields
 * (source_form/fields.py). With it, the fields show for the source types they belong to,
 * the JSON textarea follows the fields as they are typed in, and a JSON typed in the
 * textarea fills the fields it covers (and, edited by hand, is used as typed). A header value typed as a secret never goes into
 * the textarea. After a preview or an error, focus goes to what the coordinator must read.
 */
ckan.module('procurement-source-form', function ($) {
  'use strict';

  var SCALAR_KEYS = {
    procurement_since_parameter: 'since_parameter', procurement_redaction_reason: 'redaction_reason',
    procurement_license: 'license'
  };
  var LIST_KEYS = { procurement_ocid_prefixes: 'ocid_prefixes', procurement_redact_paths: 'redact_paths' };
  var MAPPING_KEYS = {
    procurement_rows_are: 'rows_are', procurement_ocid_template: 'ocid', procurement_release_id_template: 'release_id',
    procurement_date_column: 'date', procurement_revision_column: 'revision', procurement_amount_column: 'amount',
    procurement_currency: 'currency', procurement_timezone: 'timezone', procurement_date_order: 'date_order'
  };

  function lines(text) {
    return (text || '').split(/\r?\n/).map(function (l) { return l.trim(); }).filter(Boolean);
  }

  function put(target, key, value) {
    var empty = value === '' || value === null || value === undefined ||
      (Array.isArray(value) && !value.length) || (typeof value === 'object' && value && !Object.keys(value).length);
    if (empty) { delete target[key]; } else { target[key] = value; }
  }

  return {
    initialize: function () {
      this.form = this.el.closest('form');
      this.types = (this.options.types || '').split(' ');
      this.config = this.form.find('#field-config');
      this.useJson = this.form.find('#field-procurement_use_json');
      var self = this;
      this.form.on('change', 'input[name=source_type]', function () { self.showForType(); });
      this.el.on('input change', ':input[name^=procurement_]', function (event) {
        if (event.target.name !== 'procurement_use_json' && event.target.name !== 'procurement_auth_secret') { self.toJson(); }
      });
      this.config.on('input', function () { self.fromJson(); });
      this.showForType();
      var summary = $('#procurement-error-summary');
      var preview = $('#procurement-preview');
      if (summary.length) { summary.trigger('focus'); } else if (preview.length) { preview.trigger('focus'); }
    },

    sourceType: function () {
      return this.form.find('input[name=source_type]:checked').val();
    },

    showForType: function () {
      var type = this.sourceType();
      var ours = this.types.indexOf(type) !== -1;
      this.el.find('.procurement-fieldset, .procurement-preview-action, #procurement-source-intro').prop('hidden', !ours);
      this.el.find('.procurement-export-only').prop('hidden', type !== 'procurement_csv');
    },

    value: function (name) {
      var field = this.el.find('[name="' + name + '"]');
      if (field.is(':radio')) { return field.filter(':checked').val() || ''; }
      return $.trim(field.val() || '');
    },

    current: function () {
      try {
        var parsed = JSON.parse(this.config.val() || '{}');
        return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : null;
      } catch (e) {
        return null;
      }
    },

    /* The same rules as fields.build_config on the server. */
    toJson: function () {
      if (this.useJson.is(':checked') || this.types.indexOf(this.sourceType()) === -1) { return; }
      var config = this.current() || {};
      var self = this;
      put(config, 'format', this.value('procurement_format') === 'auto' ? '' : this.value('procurement_format'));
      $.each(SCALAR_KEYS, function (name, key) { put(config, key, self.value(name)); });
      $.each(LIST_KEYS, function (name, key) { put(config, key, lines(self.value(name))); });
      var every = parseInt(this.value('procurement_full_harvest_every'), 10);
      put(config, 'full_harvest_every', config.since_parameter && every && every !== 7 ? every : '');
      put(config, 'publish', this.value('procurement_publish') === 'after_review' ? 'after_review' : '');
      var auth = this.value('procurement_auth');
      if (auth === 'none') { delete config.auth_header; delete config.auth_header_name; }
      if (auth === 'env') { put(config, 'auth_header', this.value('procurement_auth_env') ? 'env:' + this.value('procurement_auth_env') : ''); }
      if (auth === 'secret' && !/^secret:/.test(config.auth_header || '')) { delete config.auth_header; }
      if (auth !== 'none') {
        var name = this.value('procurement_auth_header_name');
        put(config, 'auth_header_name', name === 'Authorization' ? '' : name);
      }
      if (this.sourceType() === 'procurement_csv') {
        config.mapping = this.mapping(config.mapping || {});
        put(config, 'mapping', config.mapping);
      } else {
        delete config.mapping;
      }
      this.config.val(Object.keys(config).length ? JSON.stringify(config, null, 2) : '');
      // the JSON is the fields': the server builds it from them (fields.json_typed)
      this.form.find('[name=procurement_config_shown]').val(this.config.val());
    },

    mapping: function (mapping) {
      var self = this;
      $.each(MAPPING_KEYS, function (name, key) { put(mapping, key, self.value(name)); });
      var columns = {};
      this.el.find('.procurement-map-row').each(function () {
        var column = $.trim($(this).find('[name$="__column"]').val() || '');
        var path = $.trim($(this).find('[name$="__field"]').val() || '').replace(/^\/+|\/+$/g, '');
        if (column && path) { columns[path] = column; }
      });
      put(mapping, 'columns', columns);
      var maps = {};
      lines(this.value('procurement_value_maps')).forEach(function (line) {
        var eq = line.lastIndexOf('='), colon = line.indexOf(':');
        if (eq > colon && colon > 0) {
          var path = $.trim(line.slice(0, colon));
          maps[path] = maps[path] || {};
          maps[path][$.trim(line.slice(colon + 1, eq))] = $.trim(line.slice(eq + 1));
        }
      });
      put(mapping, 'value_maps', maps);
      var constants = {};
      lines(this.value('procurement_constants')).forEach(function (line) {
        var eq = line.lastIndexOf('=');
        if (eq > 0) { constants[$.trim(line.slice(0, eq))] = $.trim(line.slice(eq + 1)); }
      });
      put(mapping, 'constants', constants);
      return mapping;
    },

    /* A JSON typed in the textarea fills the fields it covers (the columns table is the server's). */
    fromJson: function () {
      var config = this.current();
      if (!config || this.useJson.is(':checked')) { return; }
      var self = this;
      var set = function (name, value) {
        var field = self.el.find('[name="' + name + '"]');
        if (field.is(':radio')) { field.filter('[value="' + value + '"]').prop('checked', true); } else { field.val(value); }
      };
      set('procurement_format', config.format || 'auto');
      $.each(SCALAR_KEYS, function (name, key) { set(name, config[key] || ''); });
      $.each(LIST_KEYS, function (name, key) { set(name, (config[key] || []).join('\n')); });
      set('procurement_full_harvest_every', config.full_harvest_every || 7);
      set('procurement_publish', config.publish || 'immediately');
      var header = config.auth_header || '';
      if (!header) { set('procurement_auth', 'none'); }
      if (/^env:/.test(header)) { set('procurement_auth', 'env'); set('procurement_auth_env', header.slice(4)); }
      var mapping = config.mapping || {};
      $.each(MAPPING_KEYS, function (name, key) { if (mapping[key] !== undefined) { set(name, mapping[key]); } });
    }
  };
});
