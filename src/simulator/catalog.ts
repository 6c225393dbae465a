/**
 * The fixed cast of the simulated contact center: operators, groups, departments, campaigns.
 * Fixed (not seeded) so tests and demos can name them; the seed only drives the traffic.
 */
import type { CampaignModel, UserModel } from '../mluvii/types.js';

export interface SimOperator {
  userId: number;
  firstName: string;
  lastName: string;
  userName: string;
}

export interface SimGroup {
  id: number;
  name: string;
  departmentId: number;
  /** userIds of the operators who take this group's sessions. */
  members: number[];
}

const NAMES: Array<[number, string, string]> = [
  [4, 'Petr', 'Svoboda'], [7, 'Jana', 'Dvořáková'], [9, 'Tomáš', 'Novák'], [12, 'Lucie', 'Černá'],
  [15, 'Martin', 'Procházka'], [18, 'Eva', 'Kučerová'], [21, 'Jakub', 'Veselý'], [23, 'Tereza', 'Horáková'],
  [26, 'Ondřej', 'Němec'], [31, 'Kateřina', 'Marková'], [34, 'Lukáš', 'Pokorný'], [38, 'Veronika', 'Pospíšilová'],
  [41, 'David', 'Hájek'], [45, 'Markéta', 'Jelínková'], [52, 'Michal', 'Král'], [57, 'Barbora', 'Růžičková'],
  [63, 'Jan', 'Beneš'], [70, 'Zuzana', 'Fialová'], [2710, 'Jana', 'Nováková'], [2711, 'Filip', 'Sedláček'],
  [2715, 'Klára', 'Doležalová'], [2720, 'Adam', 'Zeman'], [2724, 'Monika', 'Kolářová'], [2731, 'Vojtěch', 'Navrátil'],
  [2733, 'Simona', 'Čermáková'], [2740, 'Radek', 'Urban'],
];

/** Lower-case ASCII user name such as `petr.svoboda`. */
function userNameOf(first: string, last: string): string {
  return `${first}.${last}`.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

export const OPERATORS: readonly SimOperator[] = NAMES.map(([userId, firstName, lastName]) => ({
  userId,
  firstName,
  lastName,
  userName: userNameOf(firstName, lastName),
}));

export const OPERATOR_BY_ID = new Map(OPERATORS.map((o) => [o.userId, o]));

const ids = (...indexes: number[]) => indexes.map((i) => OPERATORS[i].userId);

export const GROUPS: readonly SimGroup[] = [
  { id: 7299, name: 'Podpora', departmentId: 62, members: ids(0, 1, 2, 3, 4, 5, 6, 7, 18, 19) },
  { id: 7300, name: 'Prodej', departmentId: 62, members: ids(8, 9, 10, 11, 12, 20) },
  { id: 7303, name: 'Reklamace', departmentId: 62, members: ids(0, 3, 13, 14, 21) },
  { id: 7310, name: 'Odchozí kampaně', departmentId: 62, members: ids(15, 16, 17, 22, 23) },
  { id: 7301, name: 'Technická podpora', departmentId: 63, members: ids(18, 19, 20, 24, 25, 2) },
  { id: 7302, name: 'VIP', departmentId: 63, members: ids(21, 22, 24, 5) },
];

export const COMPANY_ID = 1;

export const WIDGETS: Record<number, string[]> = { 62: ['Web CZ', 'Eshop'], 63: ['Portál SK', 'VIP linka'] };
export const URLS: Record<number, string[]> = {
  62: ['https://www.example.cz/objednavky', 'https://www.example.cz/', 'https://eshop.example.cz/kosik', 'https://www.example.cz/reklamace'],
  63: ['https://portal.example.sk/', 'https://portal.example.sk/vip'],
};

export const CHATBOT = { chatbotId: 3, name: 'Mluviibot' };

/** Campaigns sessions refer to. The ones with `mode: undefined` answer 404 (deleted), exercising M-RING's unknown_campaign_mode. */
export const CAMPAIGNS: ReadonlyArray<{ id: number; name: string; mode: 'Preview' | 'Predictive' | 'Progressive' | undefined }> = [
  { id: 501, name: 'Retence – výročí smlouvy', mode: 'Preview' },
  { id: 502, name: 'Akvizice jaro', mode: 'Predictive' },
  { id: 503, name: 'Připomenutí platby', mode: 'Progressive' },
  { id: 504, name: 'Dotazník spokojenosti', mode: 'Preview' },
  { id: 505, name: 'Reaktivace zákazníků', mode: 'Predictive' },
  { id: 506, name: 'Smazaná kampaň (náhled)', mode: undefined },
  { id: 507, name: 'Smazaná kampaň (prediktivní)', mode: undefined },
];
export const PREVIEW_CAMPAIGN_IDS = [501, 504, 506];
export const DIALER_CAMPAIGN_IDS = [502, 503, 505, 507];

/** GET /api/v1/Campaigns/{id}: the model, or undefined for a 404. */
export function campaignModel(id: number): CampaignModel | undefined {
  const c = CAMPAIGNS.find((x) => x.id === id);
  return c && c.mode ? { id: c.id, name: c.name, mode: c.mode } : undefined;
}

/** GET /api/v1/Users: every operator plus an administrator and a disabled account. */
export function userModels(): UserModel[] {
  const deptsOf = (userId: number) => [...new Set(GROUPS.filter((g) => g.members.includes(userId)).map((g) => g.departmentId))];
  const groupsOf = (userId: number) => GROUPS.filter((g) => g.members.includes(userId)).map((g) => g.id);
  const users: UserModel[] = OPERATORS.map((o) => ({
    id: o.userId,
    firstName: o.firstName,
    lastName: o.lastName,
    username: o.userName,
    email: `${o.userName}@example.cz`,
    note: null,
    enabled: true,
    departments: deptsOf(o.userId),
    groups: groupsOf(o.userId),
    globalRoles: ['Operator'],
  }));
  users.push(
    { id: 1, firstName: 'Admin', lastName: 'Správce', username: 'admin', email: 'admin@example.cz', note: null, enabled: true, departments: [62, 63], groups: [], globalRoles: ['CompanyAdmin'] },
    { id: 99, firstName: 'Bývalý', lastName: 'Operátor', username: 'byvaly.operator', email: null, note: 'odešel', enabled: false, departments: [62], groups: [], globalRoles: ['Operator'] },
  );
  return users;
}

export const GUEST_LINES = [
  'Dobrý den, chci reklamovat objednávku.', 'Dobrý den, kdy mi přijde zásilka?', 'Mám problém s přihlášením.',
  'Můžete mi poradit s výběrem tarifu?', 'Dobrý den, potřebuji změnit adresu doručení.', 'Hello, do you speak English?',
  'Nefunguje mi platba kartou.', 'Chtěl bych zrušit smlouvu.',
];
export const OPERATOR_LINES = [
  'Dobrý den, jak vám mohu pomoci?', 'Pošlete prosím číslo objednávky.', 'Děkuji, hned se na to podívám.',
  'Zásilka je na cestě, dorazí zítra.', 'Předávám kolegovi, který vám pomůže.', 'Je ještě něco, s čím mohu pomoci?',
];
export const NOTES = ['Reklamace předána na sklad.', 'Vyřešeno.', 'Zákazník zavolá zpět.', 'Předáno na 2. linii.', 'Dotaz na fakturu.'];
export const TAG_NAMES = ['reklamace', 'objednavka', 'faktura', 'technicky-problem', 'prodej', 'stiznost', 'vip'];
