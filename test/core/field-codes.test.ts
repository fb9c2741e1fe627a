import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type FieldCodeContext, renderTemplate } from '../../src/core/field-codes/field-code-evaluator.js';
import { FieldCodeError, parseTemplate } from '../../src/core/field-codes/field-code-parser.js';

// The field-code language of standard responses: every example of the contract's section on standard
// responses and field codes, and the edges around them.

const context: FieldCodeContext = {
  interaction: {
    Id: '0001KaBC12DE0019',
    DateCreated: '2026-11-24T09:03:10.000Z',
    Subject: 'Order',
    ToAddress: '+15557654321',
    FromAddress: '+15551234567',
    TimeZone: 'GMT',
    attachedData: { PhoneNumber: '+15551234567', Count: '41', Score: 7.5, Tags: ['vip', 'es'] },
  },
  contact: {
    Id: 'c-1',
    Title: 'Mr',
    FirstName: 'John',
    LastName: 'Smith',
    FullName: 'John Smith',
    PrimaryPhoneNumber: '+15551234567',
  },
  agent: { FirstName: 'Ana', LastName: 'Lopez', FullName: 'Ana Lopez', Signature: 'Ana, Acme support' },
  custom: { OrderNumber: 'A-1042', Amount: 1234.5 },
};
const render = (template: string, ctx: FieldCodeContext = context) => renderTemplate(template, ctx);

describe('field codes: the contract’s examples', () => {
  test('a field code in text, and the seed’s standard response', () => {
    assert.equal(render('Dear <$Contact.FirstName$>'), 'Dear John');
    assert.equal(
      render(
        'Hello <$Contact.FirstName$>, your order <$CustomProperties.OrderNumber$> is ready. Reply here to chat with <$Agent.FirstName$>.',
      ),
      'Hello John, your order A-1042 is ready. Reply here to chat with Ana.',
    );
  });

  test('the functions, with 0-based positions', () => {
    assert.equal(render('<$Length("Hello, world!")$>'), '13');
    assert.equal(render('<$Date(1965,11,23,9,3,10)$>'), '1965-11-23 09:03:10');
    assert.equal(render('<$WeekdayName(Date(1965,11,23))$>'), 'Tuesday');
    assert.equal(render('<$Find("Hello, World!","lo")$>'), '3');
    assert.equal(render('<$Find("Hello, World!","xyz")$>'), '-1');
    assert.equal(render('<$Left("Hello, World!",5)$>'), 'Hello');
    assert.equal(render('<$Left("Hello, World!",0)$>'), '');
    assert.equal(render('<$Left("Hello, World!",99)$>'), 'Hello, World!');
    assert.equal(render('<$Mid("Hello, World!",2,3)$>'), 'llo');
    assert.equal(render('<$Mid("Hello, World!",40,3)$>'), '');
  });

  test('functions nest', () => {
    assert.equal(render('<$Left(Mid("Hello, World!",7,5),3)$>'), 'Wor');
    assert.equal(render('<$Length(Left(Contact.FullName, Find(Contact.FullName, " ")))$>'), '4');
  });

  test('the format operator: 2 : "#.##" is 2.00', () => {
    assert.equal(render('<$2 : "#.##"$>'), '2.00');
    assert.equal(render('<$CustomProperties.Amount : "#,##0.00"$>'), '1,234.50');
    assert.equal(render('<$CustomProperties.Amount * 2 : "$#,##0"$>'), '$2,469');
    assert.equal(render('<$Date(2026,1,5,14,7,0) : "dddd d MMMM yyyy, h:mm tt"$>'), 'Monday 5 January 2026, 2:07 PM');
  });

  test('arithmetic is floating point, rounded only when formatted; ^ before * before +', () => {
    assert.equal(render('<$1 / 3 : "0.0000"$>'), '0.3333');
    assert.equal(render('<$2 + 3 * 4 ^ 2$>'), '50');
    assert.equal(render('<$2 ^ 3 ^ 2$>'), '512');
    assert.equal(render('<$-(2 + 3) * 2$>'), '-10');
    assert.equal(render('<$7 Mod 3$>'), '1');
    assert.equal(render('<$1.5e3 + 1$>'), '1501');
    assert.equal(render('<$0.1 + 0.2$>'), '0.3');
    assert.equal(render('<$Interaction.AttachedData("Count") + 1$>'), '42');
  });

  test('comparisons in every spelling; strings compare without case', () => {
    for (const op of ['=', '==', 'EQ', 'eq']) assert.equal(render(`<$"ABC" ${op} "abc"$>`), 'true');
    for (const op of ['<>', '!=', 'NE']) assert.equal(render(`<$"ABC" ${op} "abd"$>`), 'true');
    assert.equal(
      render('<$3 > 2$> <$3 GT 2$> <$2 >= 2$> <$2 GE 3$> <$1 < 2$> <$1 LT 2$> <$2 <= 2$> <$3 LE 2$>'),
      'true true true false true true true false',
    );
    assert.equal(render('<$"apple" < "Banana"$>'), 'true');
  });

  test('escapes in strings; line breaks written as \\n', () => {
    assert.equal(render('<$"Line 1\\nLine 2"$>'), 'Line 1\nLine 2');
    assert.equal(render('<$"\\t\\"quoted\\" \\\\ \\\'single\\\'"$>'), '\t"quoted" \\ \'single\'');
    assert.equal(render('<$"\\a\\b\\f\\r\\v"$>'), '\u0007\b\f\r\v');
  });

  test('single quotes inside structured JSON', () => {
    const structured =
      '{"template":{"name":"acme_ns@order_ready","params":["<$Contact.FirstName$>","<$Left(\'A-1042-X\', 6)$>"]}}';
    assert.deepEqual(JSON.parse(render(structured)), { template: { name: 'acme_ns@order_ready', params: ['John', 'A-1042'] } });
  });

  test('the system objects’ properties and attached data', () => {
    assert.equal(
      render('<$Interaction.Id$>|<$Interaction.Subject$>|<$Interaction.ToAddress$>|<$Interaction.FromAddress$>'),
      '0001KaBC12DE0019|Order|+15557654321|+15551234567',
    );
    assert.equal(render('<$Interaction.DateCreated : "yyyy-MM-dd HH:mm"$>'), '2026-11-24 09:03');
    assert.equal(
      render('<$Interaction.AttachedData("PhoneNumber")$> <$Interaction.AttachedData("Score") * 2$>'),
      '+15551234567 15',
    );
    assert.equal(render('<$Contact.Title$> <$Contact.LastName$>, <$Agent.Signature$>'), 'Mr Smith, Ana, Acme support');
    assert.equal(render('<$CustomProperties("OrderNumber")$>'), 'A-1042');
    assert.equal(render('<$contact.firstname$>'), 'John');
  });

  test('the interaction’s time zone decides how dates read', () => {
    const ctx = { ...context, interaction: { ...context.interaction, TimeZone: 'GMT-05.00' } };
    assert.equal(render('<$Interaction.DateCreated : "HH:mm"$>', ctx), '04:03');
    assert.equal(render('<$Date(2026,3,1,23,30,0) : "yyyy-MM-dd HH:mm"$>', ctx), '2026-03-01 23:30');
  });
});

describe('field codes: what is not there, and what is wrong', () => {
  test('a missing value renders empty', () => {
    assert.equal(render('Dear <$Contact.MiddleName$>!'), 'Dear !');
    assert.equal(render('[<$Interaction.AttachedData("Nope")$>]'), '[]');
    const empty: FieldCodeContext = { interaction: { attachedData: {} }, contact: {}, agent: {}, custom: {} };
    assert.equal(render('Hi <$Contact.FirstName$>, <$Agent.FullName$> here.', empty), 'Hi ,  here.');
    assert.equal(render('<$Length(Contact.FirstName)$>', empty), '0');
    assert.equal(render('<$Contact.FirstName + " Smith"$>', empty), ' Smith');
    assert.equal(render('<$1 / 0$>'), '');
  });

  test('text without formulas is kept as it is', () => {
    assert.equal(render('No codes here: 5 > 3, "quotes" and a $ sign.'), 'No codes here: 5 > 3, "quotes" and a $ sign.');
    assert.equal(render(''), '');
  });

  test('syntax errors are refused with their position', () => {
    const cases: [string, number, RegExp][] = [
      ['Dear <$Contact.FirstName', 5, /not closed/],
      ['Dear Contact.FirstName$>', 22, /closes no/],
      ['<$"open$>', 2, /string is not closed/],
      ['<$1 + $>', 6, /ends too early/],
      ['<$Left("a", 1$>', 13, /closing parenthesis/],
      ['<$"a\\q"$>', 4, /Unknown escape/],
      ['<$ $>', 0, /empty formula/],
      ['<$1 2$>', 4, /after the formula/],
      ['Hi <$Contact.#$>', 13, /Unexpected character/],
      ['Hi <$Contact. $>', 14, /property name/],
      ['<$a <$b$>', 4, /cannot hold another/],
    ];
    for (const [template, position, message] of cases) {
      assert.throws(
        () => parseTemplate(template),
        (error: unknown) => error instanceof FieldCodeError && error.position === position && message.test(error.message),
        template,
      );
    }
    const multiline = (() => {
      try {
        parseTemplate('Line one\nLine <$two +$>');
      } catch (error) {
        return error as FieldCodeError;
      }
      return null;
    })();
    assert.deepEqual([multiline?.line, multiline?.column], [2, 13]);
  });

  test('unknown functions and wrong arguments are refused when rendered', () => {
    assert.throws(() => render('<$Shout("x")$>'), /Unknown function Shout/);
    assert.throws(() => render('<$Left("x")$>'), /Left takes 2 argument/);
    assert.throws(() => render('<$WeekdayName("Monday")$>'), /WeekdayName takes a date/);
  });

  test('nesting is bounded, not recursed into without end', () => {
    const deep = `<$${'('.repeat(100)}1${')'.repeat(100)}$>`;
    assert.throws(() => parseTemplate(deep), /Nested too deep/);
    assert.equal(render(`<$${'('.repeat(50)}1${')'.repeat(50)}$>`), '1');
  });
});
