// The README generator against terraform-docs itself: the fixtures are terraform-docs' own example module
// (examples/main.tf and examples/variables.tf of terraform-docs 0.24), and the expected rows are those of its golden
// files for the `markdown table` format (format/testdata/markdown/table-*.golden), written with the default settings
// (anchors and escaping on). A row this generator writes differently is a diff a consumer running terraform-docs
// would see.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { typeScript } from '../scripts/terraform/docs/cdktf-binding.mjs';
import { renderMarkdownTable, sanitizeMarkdownTable } from '../scripts/terraform/docs/markdown-table.mjs';
import { loadModule } from '../scripts/terraform/docs/module.mjs';

const MAIN_TF = `terraform {
  required_version = ">= 0.12"
  required_providers {
    random = ">= 2.2.0"
    aws    = ">= 2.15.0"
    foo = {
      source  = "https://registry.acme.com/foo"
      version = ">= 1.0"
    }
  }
}

// this description for tls_private_key.baz
// which can be multiline.
resource "tls_private_key" "baz" {}

resource "foo_resource" "baz" {}

data "aws_caller_identity" "current" {
  provider = "aws"
}

data "aws_caller_identity" "ident" {
  provider = "aws.ident"
}

# terraform-docs-ignore
data "aws_caller_identity" "ignored" {
  provider = "aws"
}

resource "null_resource" "foo" {}

# This resource is going to get ignored from generated
# output by using the following known comment.
# terraform-docs-ignore
# And the ignore keyword also doesn't have to be the first,
# last, or only thing in a leading comment
resource "null_resource" "ignored" {}

module "bar" {
  source  = "baz"
  version = "4.5.6"
}

# another type of description for module foo
module "foo" {
  source  = "bar"
  version = "1.2.3"
}

module "baz" {
  source  = "baz"
  version = "4.5.6"
}

module "foobar" {
  source = "git@github.com:module/path?ref=v7.8.9"
}

// terraform-docs-ignore
module "ignored" {
  source  = "foobaz"
  version = "7.8.9"
}
`;

const VARIABLES_TF = `variable "map-1" {
  default = {
    a = 1
    b = 2
    c = 3
  }

  type = "map"
}

// It's list number one.
variable "list-1" {
  default = ["a", "b", "c"]
  type    = "list"
}

// A variable with underscores.
variable "input_with_underscores" {}

// A variable with pipe in the description
variable "input-with-pipe" {
  description = "It includes v1 | v2 | v3"
  default     = "v1"
}

variable "input-with-code-block" {
  description = <<EOD
This is a complicated one. We need a newline.${'  '}
And an example in a code block
\`\`\`
default     = [
  "machine rack01:neptune"
]
\`\`\`
EOD
  default = [
    "name rack:location"
  ]
}

variable "long_type" {
  type = object({
    name = string,
    foo  = object({ foo = string, bar = string }),
    bar  = object({ foo = string, bar = string }),
    fizz = list(string),
    buzz = list(string)
  })
  default = {
    name = "hello"
    foo = {
      foo = "foo"
      bar = "foo"
    }
    bar = {
      foo = "bar"
      bar = "bar"
    },
    fizz = []
    buzz = ["fizz", "buzz"]
  }
  description = <<EOF
This description is itself markdown.

It spans over multiple lines.
EOF
}

variable "no-escape-default-value" {
  description = "The description contains \`something_with_underscore\`. Defaults to 'VALUE_WITH_UNDERSCORE'."
  default     = "VALUE_WITH_UNDERSCORE"
}

variable "with-url" {
  description = "The description contains url. https://www.domain.com/foo/bar_baz.html"
  default     = ""
}

variable "string_default_null" {
  type    = string
  default = null
}

variable "string_no_default" {
  type = string
}
`;

const OUTPUTS_TF = `output "unquoted" {
  description = "It's unquoted output."
  value       = "foo"
}

output "output-0.12" {
  value       = join(",", [])
  description = "terraform 0.12 only"
}

// terraform-docs-ignore
output "ignored" {
  value = "ignored"
}
`;

const fixture = mkdtempSync(join(tmpdir(), 'tfdocs-fixture-'));
after(() => rmSync(fixture, { recursive: true, force: true }));
writeFileSync(join(fixture, 'main.tf'), MAIN_TF);
writeFileSync(join(fixture, 'variables.tf'), VARIABLES_TF);
writeFileSync(join(fixture, 'outputs.tf'), OUTPUTS_TF);

const rendered = renderMarkdownTable(loadModule(fixture));
const section = (title: string) => {
  const start = rendered.indexOf(`## ${title}\n`);
  assert.notEqual(start, -1, `no ${title} section`);
  const end = rendered.indexOf('\n\n## ', start + 1);
  return rendered.slice(start, end === -1 ? undefined : end);
};

describe('terraform-docs markdown table', () => {
  it('lists requirements in terraform-docs order: terraform first, then providers by name', () => {
    assert.equal(
      section('Requirements'),
      [
        '## Requirements',
        '',
        '| Name | Version |',
        '| ---- | ------- |',
        '| <a name="requirement_terraform"></a> [terraform](#requirement\\_terraform) | >= 0.12 |',
        '| <a name="requirement_aws"></a> [aws](#requirement\\_aws) | >= 2.15.0 |',
        '| <a name="requirement_foo"></a> [foo](#requirement\\_foo) | >= 1.0 |',
        '| <a name="requirement_random"></a> [random](#requirement\\_random) | >= 2.2.0 |',
      ].join('\n'),
    );
  });

  it('lists the providers the resources use, with aliases, constraints as versions and n/a without one', () => {
    assert.equal(
      section('Providers'),
      [
        '## Providers',
        '',
        '| Name | Version |',
        '| ---- | ------- |',
        '| <a name="provider_aws"></a> [aws](#provider\\_aws) | >= 2.15.0 |',
        '| <a name="provider_aws.ident"></a> [aws.ident](#provider\\_aws.ident) | >= 2.15.0 |',
        '| <a name="provider_foo"></a> [foo](#provider\\_foo) | >= 1.0 |',
        '| <a name="provider_null"></a> [null](#provider\\_null) | n/a |',
        '| <a name="provider_tls"></a> [tls](#provider\\_tls) | n/a |',
      ].join('\n'),
    );
  });

  it('lists module calls by name, a ?ref= as the version, and leaves out what terraform-docs-ignore marks', () => {
    assert.equal(
      section('Modules'),
      [
        '## Modules',
        '',
        '| Name | Source | Version |',
        '| ---- | ------ | ------- |',
        '| <a name="module_bar"></a> [bar](#module\\_bar) | baz | 4.5.6 |',
        '| <a name="module_baz"></a> [baz](#module\\_baz) | baz | 4.5.6 |',
        '| <a name="module_foo"></a> [foo](#module\\_foo) | bar | 1.2.3 |',
        '| <a name="module_foobar"></a> [foobar](#module\\_foobar) | git@github.com:module/path | v7.8.9 |',
      ].join('\n'),
    );
  });

  it('lists resources before data sources, linked to the registry unless the provider source is not one', () => {
    assert.equal(
      section('Resources'),
      [
        '## Resources',
        '',
        '| Name | Type |',
        '| ---- | ---- |',
        '| foo_resource.baz | resource |',
        '| [null_resource.foo](https://registry.terraform.io/providers/hashicorp/null/latest/docs/resources/resource) | resource |',
        '| [tls_private_key.baz](https://registry.terraform.io/providers/hashicorp/tls/latest/docs/resources/private_key) | resource |',
        '| [aws_caller_identity.current](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/data-sources/caller_identity) | data source |',
        '| [aws_caller_identity.ident](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/data-sources/caller_identity) | data source |',
      ].join('\n'),
    );
  });

  it('writes inputs as terraform-docs does: sorted, escaped, multi-line types and defaults as <pre>', () => {
    const rows = section('Inputs').split('\n');
    assert.deepEqual(rows.slice(0, 4), [
      '## Inputs',
      '',
      '| Name | Description | Type | Default | Required |',
      '| ---- | ----------- | ---- | ------- | :------: |',
    ]);
    assert.deepEqual(rows.slice(4), [
      '| <a name="input_input-with-code-block"></a> [input-with-code-block](#input\\_input-with-code-block) | This is a complicated one. We need a newline.<br/>And an example in a code block<pre>default     = [<br/>  "machine rack01:neptune"<br/>]</pre> | `list` | <pre>[<br/>  "name rack:location"<br/>]</pre> | no |',
      '| <a name="input_input-with-pipe"></a> [input-with-pipe](#input\\_input-with-pipe) | It includes v1 \\| v2 \\| v3 | `string` | `"v1"` | no |',
      '| <a name="input_input_with_underscores"></a> [input\\_with\\_underscores](#input\\_input\\_with\\_underscores) | A variable with underscores. | `any` | n/a | yes |',
      '| <a name="input_list-1"></a> [list-1](#input\\_list-1) | It\'s list number one. | `list` | <pre>[<br/>  "a",<br/>  "b",<br/>  "c"<br/>]</pre> | no |',
      '| <a name="input_long_type"></a> [long\\_type](#input\\_long\\_type) | This description is itself markdown.<br/><br/>It spans over multiple lines. | <pre>object({<br/>    name = string,<br/>    foo  = object({ foo = string, bar = string }),<br/>    bar  = object({ foo = string, bar = string }),<br/>    fizz = list(string),<br/>    buzz = list(string)<br/>  })</pre> | <pre>{<br/>  "bar": {<br/>    "bar": "bar",<br/>    "foo": "bar"<br/>  },<br/>  "buzz": [<br/>    "fizz",<br/>    "buzz"<br/>  ],<br/>  "fizz": [],<br/>  "foo": {<br/>    "bar": "foo",<br/>    "foo": "foo"<br/>  },<br/>  "name": "hello"<br/>}</pre> | no |',
      '| <a name="input_map-1"></a> [map-1](#input\\_map-1) | n/a | `map` | <pre>{<br/>  "a": 1,<br/>  "b": 2,<br/>  "c": 3<br/>}</pre> | no |',
      '| <a name="input_no-escape-default-value"></a> [no-escape-default-value](#input\\_no-escape-default-value) | The description contains `something_with_underscore`. Defaults to \'VALUE\\_WITH\\_UNDERSCORE\'. | `string` | `"VALUE_WITH_UNDERSCORE"` | no |',
      '| <a name="input_string_default_null"></a> [string\\_default\\_null](#input\\_string\\_default\\_null) | n/a | `string` | `null` | no |',
      '| <a name="input_string_no_default"></a> [string\\_no\\_default](#input\\_string\\_no\\_default) | n/a | `string` | n/a | yes |',
      '| <a name="input_with-url"></a> [with-url](#input\\_with-url) | The description contains url. https://www.domain.com/foo/bar_baz.html | `string` | `""` | no |',
    ]);
  });

  it('ends with the outputs and no trailing newline', () => {
    assert.ok(
      rendered.endsWith(
        [
          '## Outputs',
          '',
          '| Name | Description |',
          '| ---- | ----------- |',
          '| <a name="output_output-0.12"></a> [output-0.12](#output\\_output-0.12) | terraform 0.12 only |',
          '| <a name="output_unquoted"></a> [unquoted](#output\\_unquoted) | It\'s unquoted output. |',
        ].join('\n'),
      ),
      rendered,
    );
  });

  it('writes "No ..." for empty sections, as terraform-docs does for a module without files', () => {
    const empty = mkdtempSync(join(tmpdir(), 'tfdocs-empty-'));
    try {
      assert.equal(
        renderMarkdownTable(loadModule(empty)),
        ['Requirements', 'Providers', 'Modules', 'Resources', 'Inputs', 'Outputs']
          .map((s) => `## ${s}\n\nNo ${s.toLowerCase()}.`)
          .join('\n\n'),
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('keeps emphasis and escapes underscores inside words, as terraform-docs sanitizes a description', () => {
    assert.equal(sanitizeMarkdownTable('a _b c_ d_e'), 'a _b c_ d\\_e');
    assert.equal(sanitizeMarkdownTable('snake_case and `code_span` | pipe'), 'snake\\_case and `code_span` \\| pipe');
    assert.equal(sanitizeMarkdownTable(''), 'n/a');
  });
});

describe('CDKTF binding types', () => {
  it('turns Terraform type constraints into TypeScript types, optional attributes included', () => {
    assert.equal(typeScript('string'), 'string');
    assert.equal(typeScript('list(string)'), 'ReadonlyArray<string>');
    assert.equal(
      typeScript('map(object({ a = number, b = optional(bool, true) }))'),
      '{ readonly [key: string]: { readonly a: number; readonly b?: boolean } }',
    );
    assert.equal(
      typeScript('object({\n    x = optional(string, "UTC") # a comment\n    y = any\n  })'),
      '{ readonly x?: string; readonly y: unknown }',
    );
    assert.throws(() => typeScript('tuple([string])'), /tuple/);
  });
});
